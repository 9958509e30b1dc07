package dev.ccd.runner.tasks;

import dev.ccd.protocol.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A background task as it was at one moment.
 *
 * @param id         {@code t1}, {@code t2}, ... in the order the run started them
 * @param status     {@link TaskStatus#RUNNING} until it ends, then its final status
 * @param exitCode   the exit status for {@code completed} and {@code failed}, null otherwise: a
 *                   task killed by us has no exit code worth reporting, whatever it exited with
 * @param duration   how long it has run (running) or ran (ended)
 * @param outputPath its log: stdout and stderr interleaved, capped
 * @param tail       its last output lines (bounded in lines and characters), possibly empty
 */
public record TaskSnapshot(String id, String command, TaskStatus status, Integer exitCode, Instant startedAt,
        Duration duration, Path outputPath, String tail) {
    public TaskSnapshot {
        if (id == null || command == null || status == null || startedAt == null || duration == null
                || outputPath == null || tail == null) {
            throw new IllegalArgumentException(
                    "id, command, status, startedAt, duration, outputPath and tail are required");
        }
        if (status.hasExitCode() != (exitCode != null)) {
            throw new IllegalArgumentException("exitCode must be set exactly for completed and failed, got "
                    + exitCode + " for " + status);
        }
    }

    public boolean running() {
        return status == TaskStatus.RUNNING;
    }
}
