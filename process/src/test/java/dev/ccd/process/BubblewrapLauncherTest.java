package dev.ccd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real bubblewrap: what a sandboxed command can see, keep and reach. */
class BubblewrapLauncherTest {
    @TempDir
    Path tmp;
    Path work;
    Path hidden;
    Path shared;
    Path cache;
    final List<ManagedProcess> started = new ArrayList<>();

    @BeforeEach
    void layout() throws IOException {
        work = Files.createDirectories(tmp.resolve("home/.ccd/workspaces/agent")).toRealPath();
        hidden = tmp.resolve("home/.ccd").toRealPath();
        Files.writeString(hidden.resolve("ccd.db"), "the record");
        shared = Files.createDirectories(tmp.resolve("models")).toRealPath();
        Files.writeString(shared.resolve("weights.bin"), "weights");
        cache = Files.createDirectories(tmp.resolve("cache")).toRealPath();
    }

    @AfterEach
    void endAll() {
        started.forEach(ManagedProcess::kill);
    }

    private BubblewrapLauncher sandbox(boolean network, Map<String, String> environment) {
        Path bwrap = BubblewrapLauncher.find(System.getenv());
        assertThat(bwrap).as("bwrap on PATH (Debian package bubblewrap)").isNotNull();
        return new BubblewrapLauncher(bwrap, new BubblewrapLauncher.Policy(work, List.of(shared), List.of(cache),
                List.of(hidden), network, List.of("MODEL_DIR", "LEAKY_API_KEY")), environment);
    }

    private record Result(int exitCode, String output) {
    }

    private Result run(BubblewrapLauncher launcher, String script) throws Exception {
        ManagedProcess process = launcher.start(Command.of(List.of("bash", "-c", script), work).mergingStderr()
                .withStdin(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).inCallersGroup());
        started.add(process);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        process.stdout().transferTo(out);
        assertThat(process.awaitExit(Duration.ofSeconds(20))).isTrue();
        return new Result(process.exitCode(), out.toString(StandardCharsets.UTF_8));
    }

    private static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("ANTHROPIC_API_KEY", "sk-ant-secret-1");
        env.put("CCD_HOME", "/somewhere");
        env.put("MODEL_DIR", "/models");
        env.put("LEAKY_API_KEY", "sk-listed-but-secret");
        return env;
    }

    /** The running {@code sleep SECONDS} processes of this machine (the shells that started them not counted). */
    static List<ProcessHandle> sleeping(String seconds) {
        return ProcessHandle.allProcesses().filter(ProcessTree::running)
                .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> a.length == 1 && a[0].equals(seconds)).orElse(false))
                .toList();
    }

    @Test
    void theSandboxSeesOnlyItsOwnProcessesAndAFewVariables() throws Exception {
        Result result = run(sandbox(true, environment()),
                "ls /proc | grep -c '^[0-9]'; echo pid=$$; env | sort; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'");

        assertThat(result.exitCode()).isZero();
        String[] lines = result.output().split("\n");
        assertThat(Integer.parseInt(lines[0].strip())).as("processes visible").isLessThanOrEqualTo(6);
        assertThat(result.output()).contains("MODEL_DIR=/models").contains("TMPDIR=/tmp").contains("PATH=")
                .doesNotContain("sk-ant-secret-1").doesNotContain("sk-listed-but-secret").doesNotContain("CCD_HOME");
    }

    @Test
    void theMountViewHasTheWorkdirSystemReadOnlyAndTheHiddenHomeEmpty() throws Exception {
        Path hostTmp = Files.writeString(Files.createTempFile("outside-", ".txt"), "host tmp");
        try {
            Result result = run(sandbox(true, environment()), String.join("; ",
                    "echo made > made.txt && echo workdir=rw",
                    "touch /usr/ccd-probe 2>/dev/null && echo usr=rw || echo usr=ro",
                    "ls -A " + hidden + " | grep -v '^workspaces$' | wc -l | sed 's/^/hidden-entries=/'",
                    "cat " + hidden + "/ccd.db 2>/dev/null || echo db=absent",
                    "cat " + hostTmp + " 2>/dev/null || echo hosttmp=absent",
                    "ls -A \"$HOME\" | wc -l | sed 's/^/home-entries=/'",
                    "cat " + shared + "/weights.bin; echo",
                    "touch " + shared + "/x 2>/dev/null && echo shared=rw || echo shared=ro",
                    "touch " + cache + "/x && echo cache=rw",
                    "git --version >/dev/null && echo git=ok",
                    "python3 -c 'print(6 * 7)' | sed 's/^/python=/'",
                    "javac -version >/dev/null 2>&1 && echo javac=ok",
                    "git init -q repo && cd repo && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m x"
                            + " && echo commit=ok"));

            assertThat(result.output()).contains("workdir=rw", "usr=ro", "hidden-entries=0", "db=absent",
                    "hosttmp=absent", "home-entries=0", "weights", "shared=ro", "cache=rw", "git=ok", "python=42",
                    "javac=ok", "commit=ok");
            assertThat(work.resolve("made.txt")).hasContent("made");
            assertThat(cache.resolve("x")).exists();
            assertThat(hidden.resolve("ccd.db")).hasContent("the record");
        } finally {
            Files.deleteIfExists(hostTmp);
        }
    }

    @Test
    void aHiddenPathInsideTheWorkdirStaysHidden() throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("outer")).toRealPath();
        Path inner = Files.createDirectories(outer.resolve(".ccd")).toRealPath();
        Files.writeString(inner.resolve("ccd.db"), "the record");
        BubblewrapLauncher launcher = new BubblewrapLauncher(BubblewrapLauncher.find(System.getenv()),
                new BubblewrapLauncher.Policy(outer, List.of(), List.of(), List.of(inner), true, List.of()), environment());
        ManagedProcess process = launcher.start(Command.of(List.of("bash", "-c", "echo seen > seen.txt; cat "
                + inner + "/ccd.db 2>/dev/null || echo db=absent; echo forged > " + inner + "/ccd.db"), outer)
                .mergingStderr().withStdin(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).inCallersGroup());
        started.add(process);
        String output = new String(process.stdout().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.awaitExit(Duration.ofSeconds(20))).isTrue();

        assertThat(output).contains("db=absent").doesNotContain("the record");
        assertThat(outer.resolve("seen.txt")).hasContent("seen");
        assertThat(inner.resolve("ccd.db")).hasContent("the record");
    }

    @Test
    void whatACommandDetachesEndsWithIt() throws Exception {
        Result result = run(sandbox(true, environment()),
                "setsid sleep 301.5 & nohup sleep 302.5 >/dev/null 2>&1 & (sleep 303.5 &) ;"
                        + " until [ \"$(pgrep -c -f '^sleep 30[123][.]5')\" = 3 ]; do :; done; echo detached=3");

        assertThat(result.output()).contains("detached=3");
        await().atMost(Duration.ofSeconds(2)).until(() -> sleeping("301.5").isEmpty() && sleeping("302.5").isEmpty()
                && sleeping("303.5").isEmpty());
    }

    @Test
    void killingTheSandboxEndsEverythingInIt() throws Exception {
        ManagedProcess process = sandbox(true, environment()).start(Command.of(List.of("bash", "-c",
                "setsid sleep 304.5 & sleep 305.5 & wait"), work).withStdout(ProcessBuilder.Redirect.DISCARD)
                .mergingStderr().inCallersGroup());
        started.add(process);
        await().atMost(Duration.ofSeconds(5)).until(() -> sleeping("304.5").size() == 1
                && sleeping("305.5").size() == 1);

        process.stop(null, Duration.ZERO, Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(2)).until(() -> sleeping("304.5").isEmpty() && sleeping("305.5").isEmpty());
    }

    @Test
    void networkOffLeavesOnlyLoopback() throws Exception {
        Result off = run(sandbox(false, environment()), "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
        Result on = run(sandbox(true, environment()), "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");

        assertThat(off.output().strip()).isEqualTo("lo");
        assertThat(on.output().strip().split("\n")).hasSizeGreaterThan(1);
    }
}
