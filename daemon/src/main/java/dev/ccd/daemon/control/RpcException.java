package dev.ccd.daemon.control;

/**
 * A JSON-RPC error to send back: the standard codes, plus ccd's own in the server range.
 * {@code field} names the offending parameter of an invalid-params error.
 */
public final class RpcException extends Exception {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** The request was understood but could not be carried out (a runner did not start, say). */
    public static final int FAILED = -32000;
    /** No such agent, run, request or template. */
    public static final int NOT_FOUND = -32001;
    /** The request conflicts with the current state (a live name started again, say). */
    public static final int CONFLICT = -32002;
    /** The daemon already has its maximum of control connections open; the new one is closed. */
    public static final int TOO_MANY_CONNECTIONS = -32003;

    private final int code;
    private final String field;

    public RpcException(int code, String message) {
        this(code, message, null);
    }

    public RpcException(int code, String message, String field) {
        super(message);
        this.code = code;
        this.field = field;
    }

    public static RpcException invalidParam(String field, String problem) {
        return new RpcException(INVALID_PARAMS, "invalid params: '" + field + "' " + problem, field);
    }

    public int code() {
        return code;
    }

    public String field() {
        return field;
    }
}
