package dev.ccd.runner.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ccd.protocol.Excerpt;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP half of the model providers: POSTs one JSON body, reads the reply whole or as a
 * stream of server-sent events, retries transient failures as {@link RetryPolicy} says, cools
 * down after a call has exhausted its retries, and records every attempt in the {@link
 * Transcript}. The providers only build bodies and read replies.
 *
 * <p>Transient (retried): HTTP 408, 409, 429, 5xx, I/O errors (refused, reset, timed out, body or
 * stream cut short, no event within the idle timeout), and a 2xx whose body or events are not
 * what the provider expects, since a proxy or a server under load produces those and they heal.
 * Any other status is fatal at once: retrying the same request gets the same answer (400, 401,
 * 403, 404, 413, 422 ...). A server's {@code x-should-retry} header overrides the status either
 * way ({@code false}: the call fails at once, but only the iteration, the server having said so).
 *
 * <p>Streaming: while {@link #streaming()} the providers ask for a stream, and the only timeout
 * of a reply is the silence between two events (a long generation is no error). A 2xx without
 * {@code text/event-stream} means the server does not stream: it is read whole, and streaming is
 * off for the rest of the run; so does a 400 that names the stream fields, after which the
 * request is sent again at once without them.
 *
 * <p>An attempt abandoned after the server started on it (timed out, cut) is billed by the
 * vendor: its usage, as far as the stream told it, else estimated (request bytes / 4), goes with
 * the call's turn or exception, with the number of requests sent beyond the first.
 *
 * <p>Threading: {@link #post} runs on the agent loop thread only; the HttpClient's threads just
 * feed the response's lines to it (see {@link LineExchange}). Interrupting the caller cancels the
 * exchange in flight (closing its connection) and throws {@link InterruptedException}. Headers
 * (the API key) are never logged nor recorded; the key is masked ({@link Redactor}) in what is
 * recorded or reported, never in what is parsed.
 */
final class HttpCaller {
    private static final Logger log = LoggerFactory.getLogger(HttpCaller.class);

    /** Plain Jackson: API field names are spelled out by the providers, unlike the IPC protocol. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final int EXCERPT = 300;

    /** Reads a reply as a turn; throws when it lacks what the provider must send. */
    interface ReplyReader {
        /** A whole (non-streamed) 2xx body. */
        ModelTurn read(JsonNode body) throws MalformedReply;

        /** A fresh reader of one streamed attempt's events. */
        StreamReader stream();
    }

    /** Assembles one streamed reply, event by event. */
    interface StreamReader {
        /**
         * One event: its {@code event:} name (null when the server sends none) and its data
         * ({@code null} for OpenAI's {@code [DONE]}). True once the stream's last event came.
         */
        boolean event(String name, JsonNode data) throws MalformedReply;

        /** The reply, once the last event came. */
        ModelTurn turn() throws MalformedReply;

        /** Usage as far as the events said it (for an attempt abandoned midway). */
        TokenUsage soFar();
    }

    static final class MalformedReply extends Exception {
        MalformedReply(String message) {
            super(message);
        }
    }

    /**
     * One attempt's result: a turn, or why it failed, whether the failure is fatal and whether
     * another attempt may help; and what the vendor billed for an attempt that gave no turn.
     */
    private record Outcome(ModelTurn turn, String error, boolean fatal, boolean retry, Optional<Duration> retryAfter,
            TokenUsage spent, boolean streamRefused) {
        static Outcome retry(String error, Optional<Duration> retryAfter, TokenUsage spent) {
            return new Outcome(null, error, false, true, retryAfter, spent, false);
        }

        static Outcome of(ModelTurn turn) {
            return new Outcome(turn, null, false, false, Optional.empty(), TokenUsage.ZERO, false);
        }
    }

    private final String provider;
    private final ProviderSettings settings;
    private final Transcript transcript;
    private final Redactor redactor;
    private final RetryPolicy policy;
    private final HttpClient client;
    /** Loop thread only. False from the start when configured so, or once a server answered without a stream. */
    private boolean streaming;

    HttpCaller(String provider, ProviderSettings settings, Transcript transcript) {
        this.provider = provider;
        this.settings = settings;
        this.redactor = new Redactor(settings.apiKey());
        this.transcript = redactor.wrap(transcript == null ? Transcript.NONE : transcript);
        this.policy = new RetryPolicy(settings.retryBase(), settings.retryMax(), settings.cooldown());
        this.streaming = settings.stream();
        RetryPolicy.requireNonNegative("requestTimeout", settings.requestTimeout());
        // HTTP/1.1: local servers (llama.cpp, uvicorn) do not speak h2c, and one call at a time
        // gains nothing from HTTP/2.
        this.client = HttpClient.newBuilder()
                .connectTimeout(RetryPolicy.requireNonNegative("connectTimeout", settings.connectTimeout()))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** {@code base} + {@code path}, whatever trailing slashes the configured base URL has. */
    static URI endpoint(URI base, String path) {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }

    /** Whether the next request should ask for a stream. */
    boolean streaming() {
        return streaming;
    }

    ModelTurn post(URI uri, Map<String, String> headers, JsonNode body, ReplyReader reader)
            throws ProviderException, InterruptedException {
        Duration cooling = policy.cooldownRemaining();
        if (!cooling.isZero()) {
            log.info("{} - cooling down for {} ms after {} failed call(s) before the next request",
                    provider, cooling.toMillis(), policy.failedCalls());
            RetryPolicy.pause(cooling);
        }
        boolean streamed = body.path("stream").asBoolean(false);
        HttpRequest request = request(uri, headers, body, streamed);
        // What an abandoned attempt is billed when nothing better is known: JSON overhead
        // included, so it errs high, as a budget should.
        long inputEstimate = bytes(body).length / 4;

        int attempts = settings.maxRetries() + 1;
        Outcome last = null;
        TokenUsage abandoned = TokenUsage.ZERO;
        // requests sent beyond the first: every retry, and the one sent again without the stream fields
        int retries = -1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (last != null) {
                Duration wait = policy.delay(attempt - 1, last.retryAfter());
                log.warn("{} - {}; retry {}/{} in {} ms", provider, last.error(), attempt, attempts - 1, wait.toMillis());
                RetryPolicy.pause(wait);
            }
            transcript.request(provider, body);
            retries++;
            last = attempt(request, reader, streamed, inputEstimate);
            abandoned = abandoned.plus(last.spent());
            if (last.turn() != null) {
                policy.succeeded();
                return last.turn().withAttempts(abandoned, retries);
            }
            if (last.fatal() && streamed && last.streamRefused()) {
                // A server that refuses the stream fields: asked again at once without them,
                // and never with them again.
                streaming = false;
                streamed = false;
                log.info("{} - the server refused streaming ({}): streaming is off for the rest of the run", provider,
                        last.error());
                ObjectNode plain = ((ObjectNode) body).deepCopy();
                plain.remove(List.of("stream", "stream_options"));
                body = plain;
                request = request(uri, headers, body, false);
                last = null;
                attempt--;
                continue;
            }
            if (last.fatal()) {
                throw new ProviderException(provider + ": " + last.error(), true, abandoned, retries);
            }
            if (!last.retry()) {
                throw new ProviderException(provider + ": " + last.error() + " (the server said not to retry)", false,
                        abandoned, retries);
            }
        }
        Duration cooldown = policy.failed();
        log.warn("{} - giving up after {} attempt(s): {}; cooling down {} ms", provider, attempts, last.error(),
                cooldown.toMillis());
        throw new ProviderException(provider + ": " + last.error() + " (after " + attempts
                + (attempts == 1 ? " attempt)" : " attempts)"), false, abandoned, retries);
    }

    private HttpRequest request(URI uri, Map<String, String> headers, JsonNode body, boolean streamed) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(settings.requestTimeout())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
        if (streamed) {
            builder.header("accept", "text/event-stream");
        }
        headers.forEach(builder::header);
        return builder.build();
    }

    private Outcome attempt(HttpRequest request, ReplyReader reader, boolean streamed, long inputEstimate)
            throws InterruptedException {
        LineExchange exchange = new LineExchange(client, request);
        try {
            long deadline = System.nanoTime() + settings.requestTimeout().toNanos();
            LineExchange.Head head;
            try {
                head = exchange.head(deadline);
            } catch (IOException e) {
                return failed(e, request.uri(), billedIfGenerating(e, inputEstimate));
            }
            int status = head.status();
            if (status >= 200 && status < 300 && head.isEventStream()) {
                return streamed(exchange, status, reader.stream(), inputEstimate);
            }
            String text;
            try {
                // Without a stream the whole reply falls under the request timeout.
                text = exchange.body(deadline);
            } catch (IOException e) {
                return failed(e, request.uri(), estimate(TokenUsage.ZERO, inputEstimate));
            }
            if (streamed && status >= 200 && status < 300) {
                streaming = false;
                log.info("{} - the server answered without a stream: streaming is off for the rest of the run", provider);
            }
            return whole(status, head.headers(), text, reader, inputEstimate);
        } finally {
            exchange.cancel();
        }
    }

    private Outcome whole(int status, HttpHeaders headers, String text, ReplyReader reader, long inputEstimate) {
        JsonNode json = parse(text);
        JsonNode recorded = json != null ? json : TextNode.valueOf(text);
        if (status >= 200 && status < 300) {
            if (json == null || !json.isObject()) {
                transcript.response(provider, status, recorded, null);
                return Outcome.retry("HTTP " + status + " with a body that is not a JSON object: " + excerpt(text),
                        Optional.empty(), estimate(TokenUsage.ZERO, inputEstimate));
            }
            try {
                ModelTurn turn = reader.read(json);
                transcript.response(provider, status, recorded, turn);
                return Outcome.of(turn);
            } catch (MalformedReply e) {
                transcript.response(provider, status, recorded, null);
                return Outcome.retry(redactor.text("HTTP " + status + " with an unexpected body: " + e.getMessage()),
                        Optional.empty(), estimate(TokenUsage.ZERO, inputEstimate));
            }
        }
        transcript.response(provider, status, recorded, null);
        String error = "HTTP " + status + " " + ApiError.describe(json, excerpt(text));
        Optional<String> shouldRetry = headers.firstValue("x-should-retry").map(String::strip);
        boolean transientStatus = RetryPolicy.isTransient(status);
        boolean retry = shouldRetry.map("true"::equalsIgnoreCase).orElse(transientStatus);
        if (retry) {
            return Outcome.retry(redactor.text(error), RetryPolicy.retryAfter(headers, Instant.now()), TokenUsage.ZERO);
        }
        // x-should-retry: false on a transient status fails this call only; a client error stays fatal.
        boolean streamRefused = status == 400 && text.toLowerCase(java.util.Locale.ROOT).contains("stream");
        return new Outcome(null, redactor.text(error), !transientStatus, false, Optional.empty(), TokenUsage.ZERO,
                streamRefused);
    }

    /** A streamed reply, read as {@link ServerSentEvents}; a stream that breaks off is retried. */
    private Outcome streamed(LineExchange exchange, int status, StreamReader events, long inputEstimate)
            throws InterruptedException {
        ServerSentEvents stream = new ServerSentEvents(exchange, settings.streamIdleTimeout());
        String error;
        try {
            stream.readAll(events);
            ModelTurn turn = events.turn();
            ObjectNode summary = JSON.createObjectNode().put("streamed_events", stream.count());
            summary.set("usage", usageJson(turn.usage()));
            transcript.response(provider, status, summary, turn);
            return Outcome.of(turn);
        } catch (MalformedReply e) {
            error = redactor.text("HTTP " + status + " stream with an unexpected event: " + e.getMessage());
        } catch (ServerSentEvents.EndedEarly e) {
            error = e.getMessage();
        } catch (HttpTimeoutException e) {
            error = "no stream event for " + settings.streamIdleTimeout().toMillis() + " ms (stream idle timeout) after "
                    + stream.count() + " events";
        } catch (IOException e) {
            error = "the stream was cut after " + stream.count() + " events: " + describe(e, null);
        }
        transcript.failure(provider, error);
        return Outcome.retry(error, Optional.empty(), estimate(events.soFar(), inputEstimate));
    }

    private Outcome failed(IOException e, URI uri, TokenUsage spent) {
        String error = describe(e, uri);
        transcript.failure(provider, error + (spent.isZero() ? "" : "; counted as billed: ~" + spent.input()
                + " input tokens (estimate)"));
        return Outcome.retry(error, Optional.empty(), spent);
    }

    /** A request timeout means the server had the request and may be generating: billed. */
    private static TokenUsage billedIfGenerating(IOException e, long inputEstimate) {
        return e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException)
                ? estimate(TokenUsage.ZERO, inputEstimate)
                : TokenUsage.ZERO;
    }

    /** What the stream said, its input filled in by the estimate when it said none; marked as estimated. */
    private static TokenUsage estimate(TokenUsage known, long inputEstimate) {
        long input = known.input() > 0 ? known.input() : inputEstimate;
        return new TokenUsage(input, known.output(), known.cacheWrite(), known.cacheWrite1h(), known.cacheRead(), true);
    }

    static ObjectNode usageJson(TokenUsage usage) {
        return JSON.createObjectNode()
                .put("input_tokens", usage.input())
                .put("output_tokens", usage.output())
                .put("cache_write_tokens", usage.cacheWrite())
                .put("cache_read_tokens", usage.cacheRead());
    }

    private String describe(IOException e, URI uri) {
        String address = uri == null ? "the server" : uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        if (e instanceof HttpConnectTimeoutException) {
            return "connect to " + address + " timed out after " + settings.connectTimeout().toMillis() + " ms";
        }
        if (e instanceof HttpTimeoutException) {
            return "request timed out after " + settings.requestTimeout().toMillis() + " ms (request timeout)";
        }
        if (e instanceof ConnectException) {
            return "cannot connect to " + address + " (connection refused)";
        }
        // The JDK client often wraps the real reason in a message-less IOException.
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String kind = root.getClass() == IOException.class ? "" : root.getClass().getSimpleName() + ": ";
        return "I/O error: " + kind + (root.getMessage() == null ? "(no detail)" : redactor.text(root.getMessage()));
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    String excerpt(String text) {
        return oneLine(redactor.text(text));
    }

    /** A body on one line, abbreviated: for error messages. */
    static String oneLine(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.isEmpty() ? "(empty body)" : Excerpt.abbreviate(oneLine, EXCERPT);
    }

}
