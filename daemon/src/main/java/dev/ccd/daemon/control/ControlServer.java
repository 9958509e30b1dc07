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
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 over the daemon's Unix socket: one JSON object per line each way. Every request
 * gets an answer or a JSON-RPC error (parse, invalid request, no such method, invalid params with
 * the field named); no request can end the connection or the daemon. A request line over 1 MiB
 * is a parse error and the connection reads on.
 *
 * <p>Limits, so that no number of clients can exhaust the daemon: at most
 * {@link #MAX_CONNECTIONS} connections are open at once (subscriptions included). At the limit a
 * new client takes the place of the connection idle longest (at least {@link #EVICT_AFTER});
 * when none is, it gets a single {@link RpcException#TOO_MANY_CONNECTIONS} error line and is
 * closed by the accept thread. A request connection must deliver its next whole request line within
 * {@link #IDLE_TIMEOUT} of connecting or of its previous answer, or it is closed: that bounds both
 * an idle client and one holding half a request. A subscription only receives, so it is never
 * idle; instead any write (answer, event or heartbeat) that stays blocked for
 * {@link #WRITE_TIMEOUT}, a client that stopped reading, closes the connection.
 *
 * <p>Threading: {@code control-accept} accepts, counts, and turns away connections over the limit.
 * Each admitted connection is owned by one thread of the {@code control-conn-N} pool (at most
 * {@link #MAX_CONNECTIONS} threads, so the limit is the thread bound) that reads a request,
 * answers it, and reads the next; after {@code events.subscribe} that thread only writes, streaming
 * events until the client goes away or the server closes. {@code control-reaper} owns no
 * connection: it only closes those past a timeout, which ends their blocked read or write. The
 * per-connection read buffers are {@link #BUFFER_BYTES} twice, grown only while a long line is read.
 */
// Over 400 lines: the accept loop, the limits (eviction, turning away, reaping) and the request
// dispatch share one connection set and its invariants; split, each would need the others' state.
public final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final ObjectMapper JSON = MessageCodec.mapper();
    private static final int MAX_REQUEST_BYTES = 1 << 20;
    /** Open connections at most; a user's CLI calls and {@code events -f} streams stay far below. */
    static final int MAX_CONNECTIONS = 256;
    /** Time a request connection may take to send its next whole line. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Time one write may stay blocked on a client that does not read. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** At the limit, a connection idle this long is closed to admit a new one. */
    static final Duration EVICT_AFTER = Duration.ofSeconds(1);
    /** Read chunk and initial line buffer of a connection: requests are mostly a few hundred bytes. */
    private static final int BUFFER_BYTES = 4 * 1024;

    private final Path socketPath;
    private final ControlApi api;
    private final ServerSocketChannel server;
    private final int maxConnections;
    private final long idleNanos;
    private final long writeNanos;
    private final long evictNanos;
    /** Admitted connections; added by the accept thread, removed by the connection's thread. */
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService reaper;
    /** Accept thread only: whether the limit is being hit, so that a flood logs once. */
    private boolean rejecting;
    /** Accept thread only: whether idle connections are being closed for new ones, likewise. */
    private boolean evicting;
    /** Set by close() on any thread; read by the accept loop to tell a close from a failure. */
    private volatile boolean closed;

    private ControlServer(Path socketPath, ControlApi api, ServerSocketChannel server, int maxConnections,
            Duration idleTimeout, Duration writeTimeout, Duration evictAfter) {
        this.socketPath = socketPath;
        this.api = api;
        this.server = server;
        this.maxConnections = maxConnections;
        this.idleNanos = idleTimeout.toNanos();
        this.writeNanos = writeTimeout.toNanos();
        this.evictNanos = evictAfter.toNanos();
        AtomicInteger n = new AtomicInteger();
        // Core = max with an unbounded queue: the pool never grows past the limit, and a task
        // submitted while a finished connection's thread is still returning to the pool waits
        // for it instead of being rejected.
        this.workers = new ThreadPoolExecutor(maxConnections, maxConnections, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemonThread(r, "control-conn-" + n.incrementAndGet()));
        workers.allowCoreThreadTimeOut(true);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "control-reaper"));
        long period = Math.max(10, Math.min(idleTimeout.toMillis(), writeTimeout.toMillis()) / 4);
        reaper.scheduleWithFixedDelay(this::reap, period, period, TimeUnit.MILLISECONDS);
    }

    /** Binds the socket (mode 0600; a stale socket file is removed) and starts accepting. */
    public static ControlServer start(Path socketPath, ControlApi api) throws IOException {
        return start(socketPath, api, MAX_CONNECTIONS, IDLE_TIMEOUT, WRITE_TIMEOUT, EVICT_AFTER);
    }

    /** As {@link #start(Path, ControlApi)} with the limits given (tests use short timeouts). */
    static ControlServer start(Path socketPath, ControlApi api, int maxConnections, Duration idleTimeout,
            Duration writeTimeout, Duration evictAfter) throws IOException {
        Files.deleteIfExists(socketPath);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        ControlServer control = new ControlServer(socketPath, api, server, maxConnections, idleTimeout, writeTimeout,
                evictAfter);
        daemonThread(control::acceptLoop, "control-accept").start();
        return control;
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel channel = server.accept();
                if (connections.size() >= maxConnections && !evictIdlest()) {
                    reject(channel);
                    continue;
                }
                rejecting = false;
                if (connections.size() < maxConnections - 1) {
                    evicting = false;
                }
                Connection c = new Connection(channel);
                connections.add(c);
                if (closed) {
                    c.close();
                }
                workers.execute(() -> serve(c));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // out of file handles, say: a daemon that stops accepting can no longer be stopped
                log.error("control socket accept failed, retrying: {}", e.getMessage());
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
            } catch (RejectedExecutionException e) {
                // only after close() shut the pool down
                return;
            }
        }
    }

    /**
     * At the limit, makes room by closing the connection that has waited longest for a request, if
     * it has waited {@link #EVICT_AFTER} or more: idle clients, however many, cannot keep a user's
     * {@code ccd status} out. Subscriptions are never waiting, so never closed for it.
     *
     * @return true when a slot was freed
     */
    private boolean evictIdlest() {
        long now = System.nanoTime();
        Connection idlest = null;
        long since = Long.MAX_VALUE;
        for (Connection c : connections) {
            long waiting = c.waitingSince;
            if (waiting != 0 && now - waiting >= evictNanos && waiting < since) {
                since = waiting;
                idlest = c;
            }
        }
        if (idlest == null) {
            return false;
        }
        if (!evicting) {
            evicting = true;
            log.warn("control socket: {} connections open; closing the longest idle ones to admit new ones",
                    maxConnections);
        }
        connections.remove(idlest);
        idlest.close();
        return true;
    }

    /** Tells the client why and closes it on the accept thread; no thread or buffer is kept for it. */
    private void reject(SocketChannel channel) {
        if (!rejecting) {
            rejecting = true;
            log.warn("control socket: {} connections open, turning new ones away", maxConnections);
        }
        try (channel) {
            // Non-blocking: a fresh socket's send buffer takes the short line, and a client that
            // never reads must not stall the accept thread.
            channel.configureBlocking(false);
            byte[] line = (JSON.writeValueAsString(error(null, new RpcException(RpcException.TOO_MANY_CONNECTIONS,
                    "too many connections to the ccd daemon (" + maxConnections + " open); close some and retry")))
                    + "\n").getBytes(StandardCharsets.UTF_8);
            channel.write(ByteBuffer.wrap(line));
            // A request the client already sent, left unread, would make the close a reset on
            // Linux, and the client could lose the line that says why.
            ByteBuffer sink = ByteBuffer.allocate(512);
            for (int i = 0; i < 8 && channel.read(sink) > 0; i++) {
                sink.clear();
            }
        } catch (IOException e) {
            log.debug("turning a control connection away: {}", e.getMessage());
        }
    }

    /** Admitted connections now open. */
    int openConnections() {
        return connections.size();
    }

    /** Closes the connections past a timeout; their threads then see the channel closed. */
    private void reap() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            long waiting = c.waitingSince;
            long writing = c.writingSince;
            if (waiting != 0 && now - waiting > idleNanos) {
                log.debug("control connection sent no request for {} ms; closing it", idleNanos / 1_000_000);
                c.close();
            } else if (writing != 0 && now - writing > writeNanos) {
                log.debug("control connection read nothing for {} ms; closing it", writeNanos / 1_000_000);
                c.close();
            }
        }
    }

    private void serve(Connection c) {
        try (c.channel) {
            LineReader lines = LineReader.compact(Channels.newInputStream(c.channel), MAX_REQUEST_BYTES, BUFFER_BYTES);
            OutputStream out = c.output();
            while (true) {
                c.waitingSince = System.nanoTime();
                int length = lines.read();
                c.waitingSince = 0;
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
            c.waitingSince = 0;
            connections.remove(c);
        }
    }

    /**
     * One admitted connection. The timestamps (System.nanoTime, 0 when not in that state) are
     * set by the connection's thread and read by the reaper.
     */
    private static final class Connection {
        final SocketChannel channel;
        /** When the thread began waiting for the next request line. */
        volatile long waitingSince;
        /** When the write now blocked began. */
        volatile long writingSince;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        /** The channel's output, with each write timed for the reaper. */
        OutputStream output() {
            OutputStream raw = Channels.newOutputStream(channel);
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    writingSince = System.nanoTime();
                    try {
                        raw.write(b, off, len);
                    } finally {
                        writingSince = 0;
                    }
                }
            };
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
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
        reaper.shutdownNow();
        for (Connection c : connections) {
            c.close();
        }
        // interrupts the subscriptions waiting for their next event, so that no thread outlives the server
        workers.shutdownNow();
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socketPath, e.getMessage());
        }
    }
}
