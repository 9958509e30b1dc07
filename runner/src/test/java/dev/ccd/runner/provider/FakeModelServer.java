package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A model API on 127.0.0.1 for tests: replies are queued in advance and served in order, one per
 * request, whatever the path; every request is recorded. When the queue is empty it serves the
 * {@link #otherwise} reply (by default a 500 saying nothing was queued). Wire bodies come from
 * {@link FakeModelReplies}. As the vendors do, it refuses what their servers refuse ({@link
 * VendorRules}), and streams a whole 200 reply event by event ({@link FakeStreams}) when the
 * request asks for a stream (unless {@link #withoutStreaming}); with {@link #simulateCaching}
 * the usage of each reply is what the vendor's prompt cache would bill.
 *
 * <pre>{@code
 * try (FakeModelServer server = FakeModelServer.start()) {
 *     server.enqueue(FakeModelReplies.anthropicError(429, "rate_limit_error", "slow down").header("retry-after", "1"))
 *           .enqueue(FakeModelReplies.anthropicText("hello"));
 *     // point the provider (or a runner JVM) at server.baseUrl() ...
 *     assertThat(server.request(0).header("x-api-key")).isEqualTo("sk-test");
 *     assertThat(server.request(1).json().path("model").asText()).isEqualTo("claude-x");
 * }
 * }</pre>
 *
 * <p>Threading: each request is handled on its own pool thread (so a delayed reply does not hold
 * up the next request); the queue and the record are concurrent collections, safe to read from
 * the test thread at any time.
 */
public final class FakeModelServer implements AutoCloseable {

    /**
     * One canned reply. {@code delay} is waited before the status line; {@code cut} sends
     * a Content-Length for the whole body, then half of it, then drops the connection.
     *
     * <p>A streamed reply has {@code events} (whole server-sent-event frames, each ending in a
     * blank line) instead of a body: they are written and flushed one at a time, chunked, as a
     * vendor's server does. {@code cutAfter} drops the connection after that many events (-1:
     * never); {@code stallAfter} goes silent for {@code stall} after that many (-1: never; -2:
     * before every event).
     */
    public record Reply(int status, Map<String, String> headers, String body, Duration delay, boolean cut,
            List<String> events, int cutAfter, int stallAfter, Duration stall) {
        public Reply {
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            events = events == null ? null : List.copyOf(events);
        }

        public Reply(int status, Map<String, String> headers, String body, Duration delay, boolean cut) {
            this(status, headers, body, delay, cut, null, -1, -1, Duration.ZERO);
        }

        /** A JSON body with {@code content-type: application/json}, as real APIs send errors too. */
        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("content-type", "application/json"), body, Duration.ZERO, false);
        }

        /** A non-JSON body, e.g. a proxy's HTML error page. */
        public static Reply text(int status, String contentType, String body) {
            return new Reply(status, Map.of("content-type", contentType), body, Duration.ZERO, false);
        }

        /** A 200 {@code text/event-stream} of these frames. */
        public static Reply stream(List<String> events) {
            return new Reply(200, Map.of("content-type", "text/event-stream", "cache-control", "no-cache"), "",
                    Duration.ZERO, false, events, -1, -1, Duration.ZERO);
        }

        public Reply header(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, more, body, delay, cut, events, cutAfter, stallAfter, stall);
        }

        public Reply delayed(Duration wait) {
            return new Reply(status, headers, body, wait, cut, events, cutAfter, stallAfter, stall);
        }

        public Reply cutMidBody() {
            return new Reply(status, headers, body, delay, true, events, cutAfter, stallAfter, stall);
        }

        /** A stream that breaks off after {@code n} events. */
        public Reply cutAfterEvents(int n) {
            return new Reply(status, headers, body, delay, cut, events, n, stallAfter, stall);
        }

        /** A stream that waits {@code gap} before every event: a long generation. */
        public Reply paced(Duration gap) {
            return new Reply(status, headers, body, delay, cut, events, cutAfter, -2, gap);
        }

        /** A stream that falls silent for {@code wait} after {@code n} events. */
        public Reply stallAfterEvents(int n, Duration wait) {
            return new Reply(status, headers, body, delay, cut, events, cutAfter, n, wait);
        }
    }

    /** A request as received; header names are case-insensitive. {@code receivedNanos} is {@link System#nanoTime}. */
    public record Recorded(String method, String path, Map<String, List<String>> headers, String body, long receivedNanos) {
        private static final ObjectMapper JSON = new ObjectMapper();

        /** The header's first value, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("request body is not JSON: " + body, e);
            }
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Reply otherwise = Reply.json(500,
            "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"FakeModelServer: no reply queued\"}}");

    private volatile java.util.function.Function<Recorded, Reply> responder;
    private volatile PromptCacheSimulator cache;
    private volatile boolean streams = true;

    private FakeModelServer(HttpServer server, ExecutorService handlers) {
        this.server = server;
        this.handlers = handlers;
    }

    /** Starts on 127.0.0.1, on a free port. */
    public static FakeModelServer start() throws IOException {
        // Without TCP_NODELAY each small response waits ~40 ms for a delayed ACK (read once, by
        // the JDK's server config, before the first server is created).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "fake-model-server");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(handlers);
        FakeModelServer fake = new FakeModelServer(server, handlers);
        server.createContext("/", fake::handle);
        server.start();
        return fake;
    }

    /** {@code http://127.0.0.1:<port>}, without a trailing slash or path. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public URI baseUri() {
        return URI.create(baseUrl());
    }

    public FakeModelServer enqueue(Reply... queued) {
        replies.addAll(List.of(queued));
        return this;
    }

    /** The reply served whenever the queue is empty. */
    public FakeModelServer otherwise(Reply reply) {
        this.otherwise = reply;
        return this;
    }

    /**
     * Computes the reply from the request whenever the queue is empty (over {@link #otherwise}):
     * for long runs whose replies depend on what the model was asked.
     */
    public FakeModelServer respondWith(java.util.function.Function<Recorded, Reply> responder) {
        this.responder = responder;
        return this;
    }

    /** Replies queued and not served yet. */
    public int pending() {
        return replies.size();
    }

    public int requestCount() {
        return requests.size();
    }

    public Recorded request(int index) {
        return requests.get(index);
    }

    /** A snapshot of all requests so far, in arrival order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** Stops at once; replies still being delayed are abandoned. */
    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long received = System.nanoTime();
        byte[] requestBody = exchange.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
        Recorded recorded = new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                Collections.unmodifiableMap(headers), new String(requestBody, StandardCharsets.UTF_8), received);
        requests.add(recorded);

        Reply reply = vendorRejection(recorded);
        if (reply == null) {
            reply = replies.poll();
        }
        if (reply == null) {
            java.util.function.Function<Recorded, Reply> compute = responder;
            reply = compute != null ? compute.apply(recorded) : otherwise;
        }
        reply = asTheVendorWould(recorded, reply);
        if (!reply.delay().isZero() && waitUnlessClosed(reply.delay())) {
            exchange.close();
            return;
        }
        reply.headers().forEach(exchange.getResponseHeaders()::add);
        if (reply.events() != null) {
            stream(exchange, reply);
            return;
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        if (reply.cut()) {
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            OutputStream out = exchange.getResponseBody();
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            // Closing short of the announced length throws here; the exception escaping the
            // handler makes the JDK server drop the connection, so the client sees EOF mid-body.
            out.close();
            throw new IOException("cut mid-body as asked");
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** What the vendor answers a request it refuses ({@link VendorRules}), or null. */
    private static Reply vendorRejection(Recorded recorded) {
        JsonNode request = jsonOrNull(recorded.body());
        return request == null ? null : VendorRules.check(recorded.path(), request).orElse(null);
    }

    /**
     * A whole 200 reply as the vendor would send it to this request: its usage from the cache
     * simulation (when on), streamed when the request asked for a stream (unless streaming is
     * off for this server). Other replies go as queued.
     */
    private Reply asTheVendorWould(Recorded recorded, Reply reply) {
        if (reply.status() != 200 || reply.events() != null || reply.cut()
                || !reply.headers().getOrDefault("content-type", "").startsWith("application/json")) {
            return reply;
        }
        JsonNode request = jsonOrNull(recorded.body());
        JsonNode body = jsonOrNull(reply.body());
        if (request == null || body == null || !body.isObject()) {
            return reply;
        }
        boolean openAi = recorded.path().endsWith("/chat/completions");
        boolean wellFormed = openAi ? body.path("choices").path(0).path("message").isObject()
                : body.path("content").isArray();
        if (!wellFormed) {
            return reply;
        }
        PromptCacheSimulator cache = this.cache;
        if (cache != null) {
            ObjectNode usage = openAi
                    ? cache.openAiUsage(request, body.path("usage").path("completion_tokens").asLong())
                    : cache.anthropicUsage(request, body.path("usage").path("output_tokens").asLong());
            ((ObjectNode) body).set("usage", usage);
            reply = new Reply(reply.status(), reply.headers(), body.toString(), reply.delay(), false);
        }
        if (!streams || !request.path("stream").asBoolean(false)) {
            return reply;
        }
        Reply streamed = openAi ? FakeStreams.openAi(reply) : FakeStreams.anthropic(reply);
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("content-type")) {
                streamed = streamed.header(h.getKey(), h.getValue());
            }
        }
        return streamed.delayed(reply.delay());
    }

    private static JsonNode jsonOrNull(String text) {
        try {
            return Recorded.JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** Simulates the vendors' prompt caches: usage of 200 replies is computed from each request. */
    public FakeModelServer simulateCaching(PromptCacheSimulator simulator) {
        this.cache = simulator;
        return this;
    }

    /** Answers whole bodies even to requests that ask for a stream, as a server without streaming does. */
    public FakeModelServer withoutStreaming() {
        this.streams = false;
        return this;
    }

    private void stream(HttpExchange exchange, Reply reply) throws IOException {
        exchange.sendResponseHeaders(reply.status(), 0);
        OutputStream out = exchange.getResponseBody();
        for (int i = 0; i < reply.events().size(); i++) {
            if (i == reply.cutAfter()) {
                // As for cutMidBody: the exception escaping the handler drops the connection
                // without the chunked body's last chunk.
                throw new IOException("stream cut after " + i + " events as asked");
            }
            if ((i == reply.stallAfter() || reply.stallAfter() == -2) && waitUnlessClosed(reply.stall())) {
                exchange.close();
                return;
            }
            out.write(reply.events().get(i).getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        out.close();
    }

    /** True when the server closed during the wait (the reply is then abandoned). */
    private boolean waitUnlessClosed(Duration wait) {
        try {
            return closed.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    @Override
    public String toString() {
        List<String> seen = new ArrayList<>();
        requests.forEach(r -> seen.add(r.method() + " " + r.path()));
        return "FakeModelServer" + seen;
    }
}
