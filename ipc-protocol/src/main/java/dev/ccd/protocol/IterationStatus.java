package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * {@code iteration_done.status}: how an iteration ended. These three are all a runner sends. The
 * daemon's {@code agent_iterations.status} column holds two more that are its own and never on the
 * wire: {@code running} (the row of an iteration that started and has not ended) and {@code
 * interrupted} (a row its run's end left open); they describe the daemon's record, not an outcome
 * the runner reports, so they are not values of this type.
 */
public enum IterationStatus {
    /** The model ended its turn. */
    OK("ok"),
    /** The model call failed, the model refused, or its replies kept being cut off. */
    ERROR("error"),
    /** Cut short by a stop. */
    STOPPED("stopped");

    private static final IterationStatus[] VALUES = values();

    private final String wireName;

    IterationStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The word on the wire and in {@code agent_iterations.status}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /**
     * The status of this wire name.
     *
     * @throws FieldException for {@code status}: not one of the wire names
     */
    @JsonCreator
    public static IterationStatus fromWire(String name) {
        return WireNames.require(VALUES, IterationStatus::wireName, "status", name);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
