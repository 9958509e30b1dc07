package dev.ccd.daemon.store;

/**
 * One row of {@code agent_runs}. Timestamps are ISO-8601 UTC strings, as stored.
 *
 * @param sandbox {@code on} or {@code off}: whether the run's tool processes were sandboxed; null
 *                for runs recorded before ccd knew sandboxes
 * @param network {@code on} or {@code off}: whether its tool processes had the network (always
 *                {@code on} with the sandbox off); null as {@code sandbox}
 * @param placement      {@code local} or {@code slurm}: where the runner ran
 * @param slurmJobId     its Slurm job id once the scheduler has one; null for local runs
 * @param placementState the scheduler's last word on that job ({@code PENDING (Resources)},
 *                       {@code RUNNING on node1}, {@code CANCELLED}); null for local runs
 * @param resumeCount      how many times the run was continued from its checkpoint
 * @param cacheReadTokens  the part of {@code tokensIn} read from the vendor's prompt cache
 * @param cacheWriteTokens the part of {@code tokensIn} written to it
 * @param endReason why the run ended, one word ({@code completed}, {@code max_iterations},
 *                  {@code stagnation}, {@code script_exhausted}, {@code stopped}, {@code crashed},
 *                  {@code failed}, {@code interrupted}, ...); null while it is live
 */
public record RunRow(
        String id,
        String name,
        String template,
        String args,
        RunStatus status,
        String provider,
        String model,
        String workdir,
        Long pid,
        boolean autoApprove,
        String restartOf,
        int restartCount,
        String startedAt,
        String endedAt,
        int lastIteration,
        long tokensIn,
        long tokensOut,
        double costUsd,
        Integer exitCode,
        String error,
        String sandbox,
        String network,
        String placement,
        Long slurmJobId,
        String placementState,
        String endReason,
        int resumeCount,
        long cacheReadTokens,
        long cacheWriteTokens) {

    /** A new run, before its runner has started. */
    public static RunRow starting(String id, String name, String template, String args, String provider,
            String model, String workdir, boolean autoApprove, String restartOf, int restartCount, String startedAt,
            String sandbox, String network) {
        return new RunRow(id, name, template, args, RunStatus.STARTING, provider, model, workdir, null,
                autoApprove, restartOf, restartCount, startedAt, null, 0, 0, 0, 0, null, null, sandbox, network,
                "local", null, null, null, 0, 0, 0);
    }

    /** The same row, placed elsewhere ({@code slurm}). */
    public RunRow placedOn(String where) {
        return new RunRow(id, name, template, args, status, provider, model, workdir, pid, autoApprove, restartOf,
                restartCount, startedAt, endedAt, lastIteration, tokensIn, tokensOut, costUsd, exitCode, error, sandbox,
                network, where, slurmJobId, placementState, endReason, resumeCount, cacheReadTokens, cacheWriteTokens);
    }
}
