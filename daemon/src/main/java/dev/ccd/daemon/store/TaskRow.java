package dev.ccd.daemon.store;

/** One row of {@code background_tasks}. */
public record TaskRow(String runId, String taskId, String command, String status, Integer exitCode,
        String startedAt, String endedAt, String outputPath) {
}
