package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.EventRow;
import dev.ccd.protocol.LineReader;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 over the daemon's Unix socket: one JSON object per line each way. Every request
 * gets an answer or a JSON-RPC error (parse, invalid request, no such method, invalid params with
 * the field named); no request can end the connection or the daemon. A request line over 1 MiB
 * is a parse error and the connection reads on.
 *
 * <p>Threading: one accept thread, then one thread per connection that reads a request, answers
 * it, and reads the next. After {@code events.subscribe} the connection only writes: the thread
 * streams events until the client goes away or the server closes.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final ObjectMapper JSON = MessageCodec.mapper();
    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private final Path socketPath;
    private final ControlApi api;
    private final ServerSocketChannel server;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    /** Set by close() on any thread; read by the accept loop to tell a close from a failure. */
    private volatile boolean closed;

    private ControlServer(Path socketPath, ControlApi api, ServerSocketChannel server) {
        this.socketPath = socketPath;
        this.api = api;
        this.server = server;
    }

    /** Binds the socket (mode 0600; a stale socket file is removed) and starts accepting. */
    public static ControlServer start(Path socketPath, ControlApi api) throws IOException {
        Files.deleteIfExists(socketPath);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        ControlServer control = new ControlServer(socketPath, api, server);
        Thread accept = new Thread(control::acceptLoop, "control-accept");
        accept.setDaemon(true);
        accept.start();
        return control;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel channel = server.accept();
                connections.add(channel);
                Thread t = new Thread(() -> serve(channel), "control-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // out of file handles, say: a daemon that stops accepting can no longer be stopped
                log.error("control socket accept failed, retrying: {}", e.getMessage());
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (channel) {
            LineReader lines = new LineReader(Channels.newInputStream(channel), MAX_REQUEST_BYTES);
            OutputStream out = Channels.newOutputStream(channel);
            while (true) {
                int length = lines.read();
                if (length == LineReader.END) {
                    return;
                }
                if (length == LineReader.TOO_LONG) {
                    write(out, error(null, new RpcException(RpcException.PARSE_ERROR,
                            "request of " + lines.discardedLength() + " bytes is over the limit of " + MAX_REQUEST_BYTES)));
                    continue;
                }
                if (isBlank(lines.buffer(), length)) {
                    continue;
                }
                Subscription subscription = handle(lines.buffer(), length, out);
                if (subscription != null) {
                    subscription.stream(out);
                    return;
                }
            }
        } catch (IOException e) {
            log.debug("control connection closed: {}", e.getMessage());
        } finally {
            connections.remove(channel);
        }
    }

    /** Answers one request; returns a subscription when the connection now streams events. */
    private Subscription handle(byte[] buf, int length, OutputStream out) throws IOException {
        JsonNode request;
        try {
            request = JSON.readTree(buf, 0, length);
        } catch (IOException e) {
            write(out, error(null, new RpcException(RpcException.PARSE_ERROR, "parse error: "
                    + e.getMessage().lines().findFirst().orElse("not JSON"))));
            return null;
        }
        JsonNode id = request.isObject() ? request.get("id") : null;
        try {
            String method = validate(request);
            if (ControlApi.SUBSCRIBE.equals(method)) {
                Subscription subscription = api.subscribe(new Params(request.get("params")));
                try {
                    write(out, result(id, subscription.ack()));
                } catch (IOException e) {
                    subscription.cancel();
                    throw e;
                }
                return subscription;
            }
            JsonNode result = api.call(method, new Params(request.get("params")));
            if (id != null) {
                write(out, result(id, result));
            }
        } catch (RpcException e) {
            write(out, error(id, e));
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // A bug in one method must not cost the client its answer or the daemon its thread.
            // the method only: params may carry API keys (agent.start's env), which no log may hold
            log.error("control request {} (id {}) failed", request.path("method").asText("?"), id, e);
            write(out, error(id, new RpcException(RpcException.INTERNAL_ERROR, "internal error: " + e)));
        }
        return null;
    }

    private static String validate(JsonNode request) throws RpcException {
        if (!request.isObject()) {
            throw new RpcException(RpcException.INVALID_REQUEST, "invalid request: expected a JSON object"
                    + (request.isArray() ? " (batch requests are not supported)" : ""));
        }
        if (!"2.0".equals(request.path("jsonrpc").asText(null))) {
            throw new RpcException(RpcException.INVALID_REQUEST, "invalid request: 'jsonrpc' must be \"2.0\"", "jsonrpc");
        }
        JsonNode id = request.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber() || id.isNull())) {
            throw new RpcException(RpcException.INVALID_REQUEST, "invalid request: 'id' must be a string or an integer", "id");
        }
        JsonNode method = request.get("method");
        if (method == null || !method.isTextual()) {
            throw new RpcException(RpcException.INVALID_REQUEST, "invalid request: 'method' must be a string", "method");
        }
        return method.textValue();
    }

    static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    static ObjectNode error(JsonNode id, RpcException e) {
        ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        ObjectNode error = response.putObject("error").put("code", e.code()).put("message", e.getMessage());
        if (e.field() != null) {
            error.putObject("data").put("field", e.field());
        }
        return response;
    }

    static ObjectNode notification(EventRow event) {
        ObjectNode note = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "event");
        note.set("params", JSON.valueToTree(event));
        return note;
    }

    static void write(OutputStream out, JsonNode message) throws IOException {
        byte[] bytes = JSON.writeValueAsString(message).getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, line, 0, bytes.length);
        line[bytes.length] = '\n';
        out.write(line);
        out.flush();
    }

    private static boolean isBlank(byte[] buf, int length) {
        for (int i = 0; i < length; i++) {
            if (buf[i] != ' ' && buf[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /** Stops accepting, ends every connection (subscriptions included), removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (SocketChannel c : connections) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socketPath, e.getMessage());
        }
    }
}
