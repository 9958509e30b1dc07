package dev.ccd.protocol;

/**
 * A message field that is missing or out of range. Thrown by the compact constructors of the
 * message records so that a decode error can name the field, and by code that builds messages
 * so that a bad message is refused before it reaches the wire.
 */
public final class FieldException extends IllegalArgumentException {
    private final String field;

    public FieldException(String field, String detail) {
        super("field '" + field + "' " + detail);
        this.field = field;
    }

    public String field() {
        return field;
    }

    static String required(String value, String field) {
        if (value == null) {
            throw new FieldException(field, "is required");
        }
        return value;
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new FieldException(field, "is required");
        }
        return value;
    }

    static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new FieldException(field, "must be >= 0, got " + value);
        }
        return value;
    }

    static double nonNegative(double value, String field) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new FieldException(field, "must be a finite number >= 0, got " + value);
        }
        return value;
    }
}
