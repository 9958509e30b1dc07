package dev.ccd.daemon.supervisor;

/** A request the supervisor refuses or could not carry out; the message is for the user. */
public final class SupervisorException extends Exception {

    /** What kind of failure, so that the control layer can pick its error code. */
    public enum Kind {
        NOT_FOUND,
        CONFLICT,
        FAILED,
        /** A value the request gave is not acceptable; the message names it. */
        INVALID
    }

    private final Kind kind;

    public SupervisorException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
