package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * {@code exit.reason}: why a runner ends. {@code exit} decodes an unknown reason as {@link
 * #FAILED} rather than as a protocol error (see {@link Message.Exit} and PROTOCOL.md): a runner
 * that explained its end must not be taken for one that died without a word.
 */
public enum EndReason {
    /** A {@code stop} arrived, or stdin closed. */
    STOPPED("stopped"),
    /** The run completed by itself: its iteration limit. */
    MAX_ITERATIONS("max_iterations"),
    /** The run completed by itself: the scripted provider has no turns left. */
    SCRIPT_EXHAUSTED("script_exhausted"),
    /** The run completed by itself: the same summary too many times in a row. */
    STAGNATION("stagnation"),
    /** The run completed by itself, for no more specific reason. No runner of this version sends it. */
    COMPLETED("completed"),
    /** The runner gave up (failed iterations, a provider error that will not heal); {@code error} says why. */
    FAILED("failed"),
    /** {@code init} asked for a protocol version this runner does not speak. */
    PROTOCOL_MISMATCH("protocol_mismatch"),
    /** {@code init} was not usable; {@code error} says why. */
    BAD_CONFIG("bad_config");

    private static final EndReason[] VALUES = values();

    private final String wireName;

    EndReason(String wireName) {
        this.wireName = wireName;
    }

    /** The word on the wire. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /**
     * The reason of this wire name.
     *
     * @throws FieldException for {@code reason}: not one of the wire names
     */
    @JsonCreator
    public static EndReason fromWire(String name) {
        return WireNames.require(VALUES, EndReason::wireName, "reason", name);
    }

    /** The reason of this wire name; null when it is null or unknown. */
    static EndReason find(String name) {
        return WireNames.find(VALUES, EndReason::wireName, name);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
