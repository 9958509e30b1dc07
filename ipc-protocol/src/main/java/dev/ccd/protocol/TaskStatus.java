package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A background task's status: {@link #RUNNING} while its process runs, then exactly one of the
 * final statuses, which {@code task_done.status} carries. {@code running} is never on the wire (a
 * task is told started by {@code task_started}), so decoding refuses it; the daemon's {@code
 * background_tasks.status} column holds all five.
 */
public enum TaskStatus {
    RUNNING("running"),
    /** Exited with code 0. */
    COMPLETED("completed"),
    /** Exited with a non-zero code. */
    FAILED("failed"),
    /** Killed, with its process tree, at its timeout. */
    TIMEOUT("timeout"),
    /** Killed, with its process tree, by {@code background_stop} or the end of its run. */
    STOPPED("stopped");

    private static final TaskStatus[] FINAL = {COMPLETED, FAILED, TIMEOUT, STOPPED};

    private final String wireName;

    TaskStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The word on the wire and in {@code background_tasks.status}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Every status but {@link #RUNNING}. */
    public boolean isFinal() {
        return this != RUNNING;
    }

    /** Whether a task in this status has an exit code of its own: it exited by itself. */
    public boolean hasExitCode() {
        return this == COMPLETED || this == FAILED;
    }

    /**
     * The final status of this wire name, as {@code task_done} carries it.
     *
     * @throws FieldException for {@code status}: not the wire name of a final status
     */
    @JsonCreator
    public static TaskStatus fromWire(String name) {
        return WireNames.require(FINAL, TaskStatus::wireName, "status", name);
    }

    /** Refuses a status that {@code task_done} cannot carry; see {@link #fromWire}. */
    static TaskStatus requireFinal(TaskStatus status) {
        FieldException.required(status, "status");
        if (!status.isFinal()) {
            throw WireNames.notAllowed(FINAL, TaskStatus::wireName, "status", status.wireName);
        }
        return status;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
