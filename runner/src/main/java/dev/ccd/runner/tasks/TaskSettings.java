package dev.ccd.runner.tasks;

import java.time.Duration;

/**
 * Limits of a run's background tasks.
 *
 * @param defaultTimeout a task's timeout when the model gives none
 * @param maxTimeout     the longest timeout a model may ask for
 * @param outputCapBytes a task's log file is cut here, with a marker line; the task keeps running
 * @param tailLines      how many of a task's last output lines its notice carries
 * @param maxRunning     how many tasks may run at once; more are refused
 */
public record TaskSettings(Duration defaultTimeout, Duration maxTimeout, long outputCapBytes, int tailLines,
        int maxRunning) {
    public static final long MIN_OUTPUT_CAP_BYTES = 1024;
    public static final int MAX_TAIL_LINES = 1000;

    public TaskSettings {
        positive(defaultTimeout, "defaultTimeout");
        positive(maxTimeout, "maxTimeout");
        if (defaultTimeout.compareTo(maxTimeout) > 0) {
            throw new IllegalArgumentException("defaultTimeout must be <= maxTimeout (" + maxTimeout
                    + "), got " + defaultTimeout);
        }
        if (outputCapBytes < MIN_OUTPUT_CAP_BYTES) {
            throw new IllegalArgumentException("outputCapBytes must be >= " + MIN_OUTPUT_CAP_BYTES + ", got "
                    + outputCapBytes);
        }
        if (tailLines < 1 || tailLines > MAX_TAIL_LINES) {
            throw new IllegalArgumentException("tailLines must be from 1 to " + MAX_TAIL_LINES + ", got " + tailLines);
        }
        if (maxRunning < 1) {
            throw new IllegalArgumentException("maxRunning must be >= 1, got " + maxRunning);
        }
    }

    /** 1 h default timeout, 24 h at most, 64 MiB of log, 20 tail lines, 64 tasks at once. */
    public static TaskSettings defaults() {
        return new TaskSettings(Duration.ofHours(1), Duration.ofHours(24), 64L * 1024 * 1024, 20, 64);
    }

    public TaskSettings withOutputCapBytes(long bytes) {
        return new TaskSettings(defaultTimeout, maxTimeout, bytes, tailLines, maxRunning);
    }

    public TaskSettings withMaxRunning(int max) {
        return new TaskSettings(defaultTimeout, maxTimeout, outputCapBytes, tailLines, max);
    }

    private static void positive(Duration value, String field) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }
}
