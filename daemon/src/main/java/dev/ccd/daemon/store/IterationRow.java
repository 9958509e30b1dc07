package dev.ccd.daemon.store;

/** One row of {@code agent_iterations}; {@code status} is {@code running} until the iteration ends. */
public record IterationRow(
        String runId,
        int iteration,
        String startedAt,
        String endedAt,
        String status,
        Double durationS,
        String summary,
        long tokensIn,
        long tokensOut,
        double costUsd) {
}
