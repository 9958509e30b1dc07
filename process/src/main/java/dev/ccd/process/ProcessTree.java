package dev.ccd.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A process and its descendants, as the kernel shows them now.
 *
 * <p>A snapshot lists parents before children: a parent signalled after its children could start
 * a new child in between (a shell running its next command); signalled first, it cannot, and its
 * children are still signalled once reparented, since they are in the snapshot. Signals go
 * through {@link ProcessHandle}, which checks the start time it recorded, so a handle never
 * signals a process that reused its pid.
 */
public final class ProcessTree {
    private static final long POLL_STEP_MS = 20;

    private ProcessTree() {
    }

    /** The root followed by its descendants, parents before children, as they are now. */
    public static List<ProcessHandle> snapshot(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>();
        collect(root, all);
        return all;
    }

    private static void collect(ProcessHandle parent, List<ProcessHandle> into) {
        into.add(parent);
        List<ProcessHandle> children;
        try (Stream<ProcessHandle> stream = parent.children()) {
            children = stream.toList();
        }
        children.forEach(child -> collect(child, into));
    }

    /**
     * SIGKILL to the whole tree now, without waiting. For processes that have no {@link
     * ManagedProcess} (a test's own children); everything else stops through that contract.
     */
    public static void kill(ProcessHandle root) {
        snapshot(root).forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * As {@link #kill}, then waits up to {@code max} for the tree to be gone.
     *
     * @return true when it is
     */
    public static boolean killAndAwait(ProcessHandle root, Duration max) throws InterruptedException {
        List<ProcessHandle> tree = snapshot(root);
        tree.forEach(ProcessHandle::destroyForcibly);
        return awaitGone(tree, max);
    }

    /**
     * Waits until every process of {@code processes} is gone, or the timeout has passed. A zombie
     * counts as gone: it runs nothing, and in a container whose init reaps orphans slowly a
     * killed grandchild may stay a zombie for a second (while {@link ProcessHandle#isAlive} says
     * true and {@code onExit} does not complete).
     *
     * @return true when all are gone
     */
    public static boolean awaitGone(Collection<ProcessHandle> processes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ProcessHandle> running = processes.stream().filter(ProcessTree::running).toList();
            long left = deadline - System.nanoTime();
            if (running.isEmpty() || left <= 0) {
                return running.isEmpty();
            }
            // Our own children complete onExit at once; the others are looked at again shortly.
            CompletableFuture<?> any = CompletableFuture.anyOf(
                    running.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
            try {
                any.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left), POLL_STEP_MS) + 1, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // look again
            }
        }
    }

    /** Alive and not a zombie (Linux {@code /proc}; elsewhere, alive until reaped). */
    public static boolean running(ProcessHandle process) {
        return process.isAlive() && !ProcStat.of(process.pid()).map(ProcStat::zombie).orElse(false);
    }
}
