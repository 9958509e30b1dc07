package dev.ccd.protocol;

/**
 * Background tasks of a run. Every field is optional; the runner's defaults apply to what is null.
 *
 * @param defaultTimeoutS a task's timeout when the model gives none (default 3600)
 * @param maxWaitS        the longest an ended turn waits for a running task before the next
 *                        iteration starts anyway (default 1800)
 * @param outputCapBytes  a task's log is cut here, with a marker (default 64 MiB)
 */
public record TaskOptions(Double defaultTimeoutS, Double maxWaitS, Long outputCapBytes) {
    public TaskOptions {
        if (defaultTimeoutS != null && !(defaultTimeoutS > 0)) {
            throw new FieldException("default_timeout_s", "must be > 0, got " + defaultTimeoutS);
        }
        if (maxWaitS != null) {
            FieldException.nonNegative(maxWaitS, "max_wait_s");
        }
        if (outputCapBytes != null && outputCapBytes < 1024) {
            throw new FieldException("output_cap_bytes", "must be >= 1024, got " + outputCapBytes);
        }
    }
}
