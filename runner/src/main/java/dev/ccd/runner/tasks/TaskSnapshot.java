package dev.ccd.runner.tasks;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * A background task as it was at one moment.
 *
 * @param id         {@code t1}, {@code t2}, ... in the order the run started them
 * @param status     {@value #RUNNING}, {@value #COMPLETED} (exit 0), {@value #FAILED} (non-zero
 *                   exit), {@value #TIMEOUT} (killed at its timeout) or {@value #STOPPED}
 *                   (killed by {@code background_stop} or the run's end)
 * @param exitCode   the exit status for {@code completed} and {@code failed}, null otherwise: a
 *                   task killed by us has no exit code worth reporting, whatever it exited with
 * @param duration   how long it has run (running) or ran (ended)
 * @param outputPath its log: stdout and stderr interleaved, capped
 * @param tail       its last output lines (bounded in lines and characters), possibly empty
 */
public record TaskSnapshot(String id, String command, String status, Integer exitCode, Instant startedAt,
        Duration duration, Path outputPath, String tail) {
    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String TIMEOUT = "timeout";
    public static final String STOPPED = "stopped";
    private static final Set<String> STATUSES = Set.of(RUNNING, COMPLETED, FAILED, TIMEOUT, STOPPED);

    public TaskSnapshot {
        if (id == null || command == null || startedAt == null || duration == null || outputPath == null
                || tail == null) {
            throw new IllegalArgumentException("id, command, startedAt, duration, outputPath and tail are required");
        }
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("status must be one of " + STATUSES + ", got " + status);
        }
        boolean hasExit = status.equals(COMPLETED) || status.equals(FAILED);
        if (hasExit != (exitCode != null)) {
            throw new IllegalArgumentException("exitCode must be set exactly for completed and failed, got "
                    + exitCode + " for " + status);
        }
    }

    public boolean running() {
        return status.equals(RUNNING);
    }
}
