package dev.ccd.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ends a process together with everything it started. Both the daemon (a runner's tree) and a
 * runner (a tool's or a background task's tree) stop processes this way, as PROTOCOL.md's stop
 * sequence says: SIGTERM to the whole tree, then SIGKILL to what is left.
 *
 * <p>The tree is snapshotted before each signal, parents first: a parent signalled after its
 * children could start a new child in between (a shell running its next command); signalled
 * first, it cannot, and its children are still signalled once reparented, since they are in the
 * snapshot. A process that escaped the tree before the snapshot
 * (double-forked into its own session and reparented to init) is out of reach of this class.
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

    /** Sends SIGTERM to the whole tree. */
    public static void terminate(ProcessHandle root) {
        snapshot(root).forEach(ProcessHandle::destroy);
    }

    /** Sends SIGKILL to the whole tree. */
    public static void kill(ProcessHandle root) {
        snapshot(root).forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * SIGTERM to the tree, then SIGKILL to whatever of it is still alive after {@code grace}
     * (at once when grace is zero). Blocks until every process of the tree is gone or {@code
     * grace} plus one second has passed.
     *
     * @return true when every process of the tree is gone
     */
    public static boolean destroy(ProcessHandle root, Duration grace) throws InterruptedException {
        List<ProcessHandle> tree = snapshot(root);
        if (grace.isZero()) {
            tree.forEach(ProcessHandle::destroyForcibly);
        } else {
            tree.forEach(ProcessHandle::destroy);
            if (!awaitGone(tree, grace)) {
                // Children started while we waited belong to the tree too.
                List<ProcessHandle> now = new ArrayList<>(tree);
                if (root.isAlive()) {
                    now.addAll(snapshot(root));
                }
                now.forEach(ProcessHandle::destroyForcibly);
                tree = now;
            }
        }
        return awaitGone(tree, Duration.ofSeconds(1));
    }

    /**
     * Waits until every process of {@code tree} is gone, or the timeout has passed. A zombie
     * counts as gone: it runs nothing, and in a container whose init reaps orphans slowly a
     * killed grandchild may stay a zombie for a second (while {@link ProcessHandle#isAlive} says
     * true and {@code onExit} does not complete).
     */
    public static boolean awaitGone(List<ProcessHandle> tree, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ProcessHandle> running = tree.stream().filter(ProcessTree::running).toList();
            long left = deadline - System.nanoTime();
            if (running.isEmpty() || left <= 0) {
                return running.isEmpty();
            }
            // Our own children complete onExit at once; the others are looked at again shortly.
            CompletableFuture<?> any = CompletableFuture.anyOf(
                    running.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
            try {
                any.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left), POLL_STEP_MS) + 1, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // look again
            }
        }
    }

    /** Alive and not a zombie (Linux {@code /proc}; elsewhere, alive until reaped). */
    public static boolean running(ProcessHandle process) {
        return process.isAlive() && !zombie(process.pid());
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int nameEnd = stat.lastIndexOf(')');
            return nameEnd > 0 && stat.length() > nameEnd + 2 && stat.charAt(nameEnd + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
