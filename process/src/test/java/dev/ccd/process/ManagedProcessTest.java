package dev.ccd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {
    @TempDir
    Path dir;

    private final List<ManagedProcess> started = new ArrayList<>();
    private final List<Process> strays = new ArrayList<>();

    @AfterEach
    void endEverything() {
        started.forEach(ManagedProcess::kill);
        strays.forEach(p -> ProcessTree.kill(p.toHandle()));
    }

    private ManagedProcess bash(String script) throws IOException {
        ManagedProcess process = LocalLauncher.instance().start(
                Command.of(List.of("bash", "-c", script), dir).withStdout(ProcessBuilder.Redirect.DISCARD)
                        .withStderr(ProcessBuilder.Redirect.DISCARD));
        started.add(process);
        return process;
    }

    /** The pid the script wrote to {@code file}, once it has. */
    private long pidIn(String file) {
        Path path = dir.resolve(file);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(path) && Files.size(path) > 0
                && Files.readString(path).endsWith("\n"));
        try {
            return Long.parseLong(Files.readString(path, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessTree::running).orElse(false);
    }

    @Test
    void aProcessThatLeavesOnTheRequestIsNeverSignalled() throws Exception {
        ManagedProcess process = LocalLauncher.instance().start(Command.of(List.of("cat"), dir)
                .withStdout(ProcessBuilder.Redirect.DISCARD));
        started.add(process);

        CompletableFuture<ManagedProcess.Escalation> stopped = process.stop(() -> {
            try {
                process.stdin().close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Duration.ofSeconds(5), Duration.ofSeconds(8));

        assertThat(stopped.get(4, TimeUnit.SECONDS)).isEqualTo(ManagedProcess.Escalation.REQUESTED);
        assertThat(process.exitCode()).isZero();
    }

    @Test
    void aTreeThatIgnoresSigtermIsKilledWholeAtTheLastStep() throws Exception {
        ManagedProcess process = bash("trap '' TERM; sleep 300 & echo $! > child; wait");
        long child = pidIn("child");

        ManagedProcess.Escalation how = process.stop(null, Duration.ofMillis(100), Duration.ofMillis(600))
                .get(10, TimeUnit.SECONDS);

        assertThat(how).isEqualTo(ManagedProcess.Escalation.KILLED);
        await().atMost(Duration.ofSeconds(5)).until(() -> !running(child));
    }

    @Test
    void twoStopsRacingRunOneLadderAndOneRequest() throws Exception {
        ManagedProcess process = bash("sleep 300");
        AtomicInteger requests = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CompletableFuture<ManagedProcess.Escalation>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return process.stop(requests::incrementAndGet, Duration.ZERO, Duration.ofSeconds(2));
            }));
        }
        go.countDown();

        CompletableFuture<ManagedProcess.Escalation> first = calls.get(0).get(10, TimeUnit.SECONDS);
        for (CompletableFuture<CompletableFuture<ManagedProcess.Escalation>> call : calls) {
            assertThat(call.get(10, TimeUnit.SECONDS)).isSameAs(first);
        }
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(ManagedProcess.Escalation.TERMINATED);
        assertThat(requests).hasValue(1);
    }

    @Test
    void killAfterTheRootExitedEndsWhatItLeftInItsGroup() throws Exception {
        // the orphan is no longer in the root's tree once the root has exited: only the group reaches it
        ManagedProcess process = bash("sleep 300 & echo $! > orphan");
        long orphan = pidIn("orphan");
        process.onExit().get(10, TimeUnit.SECONDS);
        assertThat(running(orphan)).isTrue();

        process.kill();

        await().atMost(Duration.ofSeconds(5)).until(() -> !running(orphan));
    }

    @Test
    void aGroupThatReusedTheRootsPidIsNotSignalled() throws Exception {
        ManagedProcess process = bash("exit 0");
        long pid = process.pid();
        process.onExit().get(10, TimeUnit.SECONDS);
        Process standIn = startWithPid(pid, List.of("/usr/bin/setsid", "sleep", "300"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcStat.of(pid).map(ProcStat::pgrp).orElse(0L) == pid);

        process.kill();

        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(standIn::isAlive);
    }

    /**
     * Starts {@code argv} as a process of exactly that pid (the kernel hands out the pid after
     * {@code ns_last_pid}; another thread forking in between takes it, so this tries again).
     */
    private Process startWithPid(long pid, List<String> argv) throws IOException {
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        for (int attempt = 0; attempt < 200; attempt++) {
            Files.writeString(lastPid, Long.toString(pid - 1));
            Process candidate = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (candidate.pid() == pid) {
                strays.add(candidate);
                return candidate;
            }
            ProcessTree.kill(candidate.toHandle());
        }
        throw new AssertionError("could not start a process with pid " + pid);
    }
}
