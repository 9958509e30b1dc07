package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.LineReader;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The CLI's side of the control socket: one connection, requests answered in order. Not
 * thread-safe; one per command.
 */
public final class ControlClient implements AutoCloseable {

    private final SocketChannel channel;
    private final LineReader in;
    private final OutputStream out;
    private long nextId = 1;

    /** No daemon answers at the socket. */
    public static final class NotRunning extends IOException {
        public NotRunning(String message) {
            super(message);
        }
    }

    /** A JSON-RPC error the daemon answered with. */
    public static final class RpcError extends Exception {
        private final int code;
        private final String field;

        RpcError(int code, String message, String field) {
            super(message);
            this.code = code;
            this.field = field;
        }

        public int code() {
            return code;
        }

        public String field() {
            return field;
        }
    }

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new LineReader(Channels.newInputStream(channel), 64 << 20);
        this.out = Channels.newOutputStream(channel);
    }

    public static ControlClient connect(Path socket) throws NotRunning {
        if (!Files.exists(socket)) {
            throw new NotRunning("the ccd daemon is not running (no socket at " + socket + "); start it with 'ccd start'");
        }
        try {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new ControlClient(channel);
        } catch (IOException e) {
            throw new NotRunning("the ccd daemon is not running (" + socket + ": " + e.getMessage()
                    + "); start it with 'ccd start'");
        }
    }

    /** Calls a method and returns its result. */
    public JsonNode call(String method, ObjectNode params) throws IOException, RpcError {
        long id = nextId++;
        ObjectNode request = JsonTrees.object().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", params == null ? JsonTrees.object() : params);
        IOException sendFailure = null;
        try {
            send(request);
        } catch (IOException e) {
            // The daemon may have turned the connection away before the request went out; the
            // line it sent then says why, and is still there to read.
            sendFailure = e;
        }
        while (true) {
            JsonNode response;
            try {
                response = next();
            } catch (IOException e) {
                throw sendFailure != null ? sendFailure : e;
            }
            if (response == null) {
                throw sendFailure != null ? sendFailure
                        : new IOException("the daemon closed the connection before answering " + method);
            }
            // An error with a null id is about the connection (too many open, say), not another request.
            if (response.path("id").asLong(-1) == id || response.has("error") && response.path("id").isNull()) {
                return unwrap(response);
            }
        }
    }

    /**
     * Subscribes and hands every event to {@code onEvent} until it returns false or the
     * connection ends.
     */
    public void subscribe(ObjectNode params, Predicate<JsonNode> onEvent) throws IOException, RpcError {
        call("events.subscribe", params);
        while (true) {
            JsonNode message = next();
            if (message == null) {
                return;
            }
            if ("event".equals(message.path("method").asText()) && !onEvent.test(message.get("params"))) {
                return;
            }
        }
    }

    private void send(JsonNode request) throws IOException {
        out.write((JsonTrees.write(request, false) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next non-blank line as JSON; null at the end of the stream. */
    private JsonNode next() throws IOException {
        while (true) {
            int length = in.read();
            if (length == LineReader.END) {
                return null;
            }
            if (length == LineReader.TOO_LONG) {
                throw new IOException("the daemon sent a line over " + in.maxLineBytes() + " bytes");
            }
            if (length > 0) {
                return JsonTrees.read(in.buffer(), 0, length);
            }
        }
    }

    private static JsonNode unwrap(JsonNode response) throws RpcError {
        JsonNode error = response.get("error");
        if (error != null) {
            throw new RpcError(error.path("code").asInt(), error.path("message").asText("unknown error"),
                    error.path("data").path("field").asText(null));
        }
        return response.get("result");
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
