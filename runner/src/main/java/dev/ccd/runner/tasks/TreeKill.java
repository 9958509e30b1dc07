package dev.ccd.runner.tasks;

import dev.ccd.protocol.ProcessTree;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Kills the process trees of one or more tasks and confirms they are gone.
 *
 * <p>The trees are snapshotted once, before any signal ({@link ProcessTree#snapshot}: parents
 * first), and that snapshot is what is killed and waited for: once a task's shell dies, its
 * children are reparented and no longer its descendants, so a fresh snapshot would miss them.
 * Escalating to SIGKILL widens the snapshot with children started meanwhile.
 *
 * <p>"Gone" counts a zombie as gone: it runs nothing any more, and in a container whose init does
 * not reap promptly a killed orphan may stay a zombie for a while.
 *
 * <p>Threads: used by one thread at a time (the caller of stop, stopAll, or a task's watcher).
 */
final class TreeKill {
    /** How long a kill waits for the signalled processes to disappear before it reports survivors. */
    static final Duration CONFIRM_WAIT = Duration.ofSeconds(5);

    private final List<ProcessHandle> roots;
    private final Set<ProcessHandle> tree = new LinkedHashSet<>();

    private TreeKill(List<ProcessHandle> roots) {
        this.roots = List.copyOf(roots);
        roots.forEach(root -> tree.addAll(ProcessTree.snapshot(root)));
    }

    /** Snapshots the trees under {@code roots} now; nothing is signalled yet. */
    static TreeKill of(List<ProcessHandle> roots) {
        return new TreeKill(roots);
    }

    int processes() {
        return tree.size();
    }

    /**
     * SIGTERM to every process, then SIGKILL to what is left after {@code grace}; at once when
     * {@code grace} is zero.
     *
     * @throws InterruptedException while waiting out the grace; nothing was SIGKILLed yet, the
     *                              caller decides (usually {@link #killNow})
     */
    void terminate(Duration grace) throws InterruptedException {
        if (grace.isZero()) {
            killNow();
            return;
        }
        tree.forEach(ProcessHandle::destroy);
        if (!awaitGone(grace).isEmpty()) {
            killNow();
        }
    }

    /** SIGKILL to the snapshot and to whatever its live members have started since. */
    void killNow() {
        for (ProcessHandle root : roots) {
            if (root.isAlive()) {
                tree.addAll(ProcessTree.snapshot(root));
            }
        }
        for (ProcessHandle process : List.copyOf(tree)) {
            if (process.isAlive()) {
                tree.addAll(ProcessTree.snapshot(process));
            }
        }
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    /** Waits up to {@code max} for every process to be gone; returns the pids still alive. */
    List<Long> awaitGone(Duration max) throws InterruptedException {
        ProcessTree.awaitGone(List.copyOf(tree), max);
        return tree.stream().filter(ProcessTree::running).map(ProcessHandle::pid).toList();
    }
}
