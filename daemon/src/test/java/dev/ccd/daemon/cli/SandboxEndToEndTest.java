package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import dev.ccd.daemon.testing.RealDaemon;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's tools turned against ccd through a real daemon, real runner JVMs and real
 * bubblewrap: what it tries leaves the record as it was, and nothing it starts outlives its run.
 */
class SandboxEndToEndTest extends RealDaemon {
    private static String bash(String command) {
        return "{\"text\": \"\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": "
                + MessageCodec.mapper().valueToTree(command) + "}}]}";
    }

    private static String background(String command) {
        return "{\"text\": \"\", \"tool_calls\": [{\"name\": \"background_run\", \"input\": {\"command\": "
                + MessageCodec.mapper().valueToTree(command) + "}}]}";
    }

    private Path script(String name, List<String> turns) throws IOException {
        return Files.write(tmp.resolve(name + ".jsonl"), turns, StandardCharsets.UTF_8);
    }

    /** A script that keeps its run busy for minutes: one short command per iteration. */
    private Path busy(String name) throws IOException {
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            turns.add(bash("sleep 0.2"));
            turns.add("{\"text\": \"busy " + i + "\"}");
        }
        return script(name, turns);
    }

    private Cli.Result start(String name, Path script, Path work) {
        Cli.Result start = ccd.run("agent", "start", name, "--template", "hello", "--script", script.toString(),
                "--workdir", work.toString());
        assertThat(start.exitCode()).as(start.toString()).isZero();
        return start;
    }

    private String status(String name) {
        return (String) Db.scalar(home.resolve("ccd.db"), "SELECT status FROM agent_runs WHERE name = '" + name
                + "' ORDER BY started_at DESC, rowid DESC LIMIT 1");
    }

    /** Starts {@code setsid}, {@code nohup} and double-forked sleeps of {@code tag} from a background task. */
    private static String detaching(String tag) {
        return "setsid sleep " + tag + "1 & nohup sleep " + tag + "2 >/dev/null 2>&1 & (sleep " + tag + "3 &);"
                + " echo started > detached-" + tag + "; sleep 1000";
    }

    private static boolean anyLeft(String tag) {
        return !Processes.sleeping(tag).isEmpty() || !Processes.running("sleep " + tag).isEmpty();
    }

    @Test
    void theAgentCannotReachTheRecordTheSocketOtherRunsOrTheirAgents() throws Exception {
        startDaemon();
        Path otherWork = Files.createDirectories(tmp.resolve("work-other"));
        Files.writeString(otherWork.resolve("secret.txt"), "other run's file");
        start("other", busy("other"), otherWork);
        Path work = Files.createDirectories(tmp.resolve("work-attacker"));
        Path realHome = home.toRealPath();
        String attack = String.join("\n",
                "cat " + realHome + "/ccd.db > db.txt 2>&1",
                "ls -la " + realHome + "/run > socket.txt 2>&1",
                "cat " + otherWork.toRealPath() + "/secret.txt > other.txt 2>&1",
                "env > env.txt",
                // what `ccd agent stop other` does: a JSON-RPC line on the socket
                "$(command -v /usr/bin/python3 || echo python3) -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('" + realHome
                        + "/run/ccd.sock'); s.sendall(b'{\\\"jsonrpc\\\":\\\"2.0\\\",\\\"id\\\":1,"
                        + "\\\"method\\\":\\\"agent.stop\\\",\\\"params\\\":{\\\"name\\\":\\\"other\\\"}}\\\\n');"
                        + " print(s.recv(4096))\" > stop.txt 2>&1",
                "echo attacked > done.txt");
        start("attacker", script("attacker", List.of(bash(attack), "{\"text\": \"tried\"}")), work);

        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(work.resolve("done.txt")));
        assertThat(Files.readString(work.resolve("db.txt"))).contains("No such file").doesNotContain("SQLite");
        assertThat(Files.readString(work.resolve("socket.txt"))).doesNotContain("ccd.sock");
        assertThat(Files.readString(work.resolve("other.txt"))).contains("No such file");
        assertThat(Files.readString(work.resolve("env.txt"))).doesNotContain("CCD_HOME");
        assertThat(Files.readString(work.resolve("stop.txt"))).doesNotContain("stopped");
        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status("attacker")));
        assertThat(status("other")).isEqualTo("running");
    }

    @Test
    void detachedProcessesEndWithAgentStopAndWithTheDaemonsStop() throws Exception {
        startDaemon();
        Path first = Files.createDirectories(tmp.resolve("work-first"));
        Path second = Files.createDirectories(tmp.resolve("work-second"));
        start("first", script("first", List.of(background(detaching("341.")), "{\"text\": \"left them\"}")), first);
        start("second", script("second", List.of(background(detaching("342.")), "{\"text\": \"left them\"}")), second);
        await().atMost(Duration.ofSeconds(20)).until(() -> Processes.sleeping("341.").size() == 3
                && Processes.sleeping("342.").size() == 3);

        Cli.Result stop = ccd.run("agent", "stop", "first");

        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> !anyLeft("341."));
        assertThat(anyLeft("342.")).isTrue();

        Cli.Result stopDaemon = ccd.run("stop");

        assertThat(stopDaemon.exitCode()).as(stopDaemon.toString()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> !anyLeft("342."));
    }

    @Test
    void detachedProcessesEndWithinTwoSecondsOfAKillOfTheDaemon() throws Exception {
        long daemon = startDaemon();
        Path work = Files.createDirectories(tmp.resolve("work-orphans"));
        start("orphans", script("orphans", List.of(background(detaching("343.")), "{\"text\": \"left them\"}")), work);
        await().atMost(Duration.ofSeconds(20)).until(() -> Processes.sleeping("343.").size() == 3);

        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(2)).until(() -> !anyLeft("343."));
    }
}
