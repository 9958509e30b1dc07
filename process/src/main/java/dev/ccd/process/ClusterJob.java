package dev.ccd.process;

import java.util.Optional;

/**
 * The scheduler's side of a {@link ManagedProcess} that a cluster launcher started (see {@link
 * SrunLauncher}): the process on this machine is the scheduler's client, the program runs where
 * the scheduler placed it, once it has. Its owner asks here whether it still waits, why, and how
 * the scheduler ended it.
 */
public interface ClusterJob {
    /** The job's name, unique per start: how the scheduler is asked about it. */
    String name();

    /**
     * Asks the scheduler now. Blocks for one query of the scheduler's client (tens of ms).
     *
     * @return the job as the scheduler records it; empty when it knows no such job (not submitted
     *         yet, or forgotten) or does not answer
     */
    Optional<JobState> state();
}
