package dev.ccd.daemon.store;

/** One row of {@code agent_runs}. Timestamps are ISO-8601 UTC strings, as stored. */
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
        String error) {

    /** A new run, before its runner has started. */
    public static RunRow starting(String id, String name, String template, String args, String provider,
            String model, String workdir, boolean autoApprove, String restartOf, int restartCount, String startedAt) {
        return new RunRow(id, name, template, args, RunStatus.STARTING, provider, model, workdir, null,
                autoApprove, restartOf, restartCount, startedAt, null, 0, 0, 0, 0, null, null);
    }
}
