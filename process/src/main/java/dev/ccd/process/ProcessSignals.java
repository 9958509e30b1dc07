package dev.ccd.process;

import java.time.Duration;
import java.util.List;

/**
 * How the processes of one {@link ManagedProcess} are found and signalled: the part that depends
 * on where they run (a local tree and group, a sandbox's namespace, a cluster job). The ladder
 * itself, when to send what, lives in {@link ManagedProcess} alone.
 *
 * <p>Implementations are called from any thread, also concurrently, and must not block longer
 * than it takes to send the signals.
 */
public interface ProcessSignals {
    /** Notes the processes that belong to it now, so that they are still reached once orphaned. */
    void remember();

    /** SIGTERM ({@code kill} false) or SIGKILL to every process of it that can be reached now. */
    void signal(boolean kill);

    /**
     * Waits up to {@code max} until every process of it that was seen is gone.
     *
     * @return the pids still running then; empty when all are gone
     */
    List<Long> survivors(Duration max) throws InterruptedException;

    /** How many processes of it have been seen so far. */
    int seen();
}
