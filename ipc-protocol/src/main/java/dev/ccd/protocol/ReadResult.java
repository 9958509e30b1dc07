package dev.ccd.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What reading one line gave: a message, or one of the distinct outcomes a reader must count and
 * log. Every outcome but {@link Received} and {@link EndOfStream} is a protocol error after which
 * the stream stays usable: the next line is read normally.
 */
public sealed interface ReadResult {

    /** True for the outcomes a reader counts as protocol errors. */
    default boolean isProtocolError() {
        return !(this instanceof Received) && !(this instanceof EndOfStream);
    }

    /** A one-line description for logs, naming the problem. */
    String describe();

    record Received(Message message) implements ReadResult {
        @Override
        public String describe() {
            return "message " + message.getClass().getSimpleName();
        }
    }

    /** The line was longer than the limit; its bytes were discarded up to the next newline. */
    record LineTooLong(long length, int limit) implements ReadResult {
        @Override
        public String describe() {
            return "line too long: " + length + " bytes, limit " + limit;
        }
    }

    /** Not one JSON object (also: an empty line, invalid UTF-8, trailing content). */
    record InvalidJson(String detail, String excerpt) implements ReadResult {
        @Override
        public String describe() {
            return "invalid JSON: " + detail + " in: " + excerpt;
        }
    }

    /** A JSON object whose op this side does not know; kept whole for logging. */
    record UnknownOp(String op, JsonNode raw) implements ReadResult {
        @Override
        public String describe() {
            return "unknown op '" + op + "': " + raw;
        }
    }

    /** A known op with a field missing, of the wrong type or out of range. */
    record InvalidFields(String op, String field, String detail) implements ReadResult {
        @Override
        public String describe() {
            return "invalid " + op + ": field '" + field + "' " + detail;
        }
    }

    /**
     * The stream ended. {@code partialLineBytes} is the length of a last line that had no
     * newline; such a line is never decoded, as its writer died mid-message.
     */
    record EndOfStream(int partialLineBytes) implements ReadResult {
        @Override
        public String describe() {
            return partialLineBytes == 0
                    ? "end of stream"
                    : "end of stream after a partial line of " + partialLineBytes + " bytes";
        }
    }
}
