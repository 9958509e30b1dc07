package dev.ccd.daemon.testing;

import dev.ccd.process.ProcessTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Process checks for tests, and the last-resort cleanup that keeps a failed test from leaking. */
public final class Processes {
    private Processes() {
    }

    /**
     * Running: alive and not a zombie. A process whose parent died is reaped by init, which in a
     * container may take a second; it exited long before.
     */
    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessTree::running).orElse(false);
    }

    /**
     * The running processes of this machine whose command line contains {@code fragment}: a tool's
     * process in a sandbox has another pid inside than outside, so tests find it by what it runs.
     */
    public static java.util.List<ProcessHandle> running(String fragment) {
        return ProcessHandle.allProcesses().filter(ProcessTree::running)
                .filter(p -> p.info().commandLine().map(line -> line.contains(fragment)).orElse(false)).toList();
    }

    /** The running {@code sleep N} processes whose one argument starts with {@code prefix}. */
    public static java.util.List<ProcessHandle> sleeping(String prefix) {
        return ProcessHandle.allProcesses().filter(ProcessTree::running)
                .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> a.length == 1 && a[0].startsWith(prefix)).orElse(false))
                .toList();
    }

    public static Optional<Long> pidIn(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Kills a process and its whole tree; for @AfterEach, when a test failed before its own stop. */
    public static void killTree(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            try {
                ProcessTree.killAndAwait(p, Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
