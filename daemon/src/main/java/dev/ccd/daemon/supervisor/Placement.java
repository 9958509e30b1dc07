package dev.ccd.daemon.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * Where a run's runner runs: forked on this machine, or placed on a Slurm cluster by {@code srun}.
 *
 * @param where        local or slurm
 * @param slurmArgs    the user's srun options ({@code --partition}, {@code --gres}, {@code --time}, ...), validated
 * @param queueTimeout how long the job may wait for the scheduler before the start fails
 * @param java         the Java command on the nodes; null: the daemon's own, which must then be on a
 *                     path the nodes share
 */
public record Placement(Where where, List<String> slurmArgs, Duration queueTimeout, String java) {
    public enum Where { LOCAL, SLURM }

    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(600);
    public static final Placement LOCAL = new Placement(Where.LOCAL, List.of(), DEFAULT_QUEUE_TIMEOUT, null);

    public Placement {
        if (where == null || queueTimeout == null || queueTimeout.isNegative() || queueTimeout.isZero()) {
            throw new IllegalArgumentException("a placement needs a place and a positive queue timeout");
        }
        slurmArgs = List.copyOf(slurmArgs);
    }

    boolean local() {
        return where == Where.LOCAL;
    }

    /** {@code agent_runs.placement}. */
    public String word() {
        return where == Where.LOCAL ? "local" : "slurm";
    }

    /** The job's name: ccd's, the agent's and the run's, so squeue shows whose it is and names one job only. */
    static String jobName(String name, String runId) {
        return "ccd-" + name + "-" + runId;
    }
}
