package dev.ccd.runner.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ccd.protocol.Excerpt;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP half of the model providers: POSTs one JSON body, retries transient failures as
 * {@link RetryPolicy} says, cools down after a call has exhausted its retries, and records every
 * attempt in the {@link Transcript}. The providers only build bodies and read replies.
 *
 * <p>Transient (retried): HTTP 408, 409, 429, 5xx, I/O errors (refused, reset, timed out, body cut
 * short), and a 2xx whose body is not the JSON the provider expects, since a proxy or a server
 * under load produces those and they heal. Any other status is fatal at once: retrying the same
 * request gets the same answer (400, 401, 403, 404, 413, 422 ...).
 *
 * <p>Threading: {@link #post} runs on the agent loop thread only; the HttpClient's threads just
 * complete the response future. Interrupting the caller cancels the exchange in flight (closing
 * its connection) and throws {@link InterruptedException}. Headers (the API key) are never
 * logged nor recorded; the key is also masked in any response text we echo.
 */
final class HttpCaller {
    private static final Logger log = LoggerFactory.getLogger(HttpCaller.class);

    /** Plain Jackson: API field names are spelled out by the providers, unlike the IPC protocol. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final int EXCERPT = 300;

    /** Reads a 2xx body as a turn; throws when it lacks what the provider must send. */
    interface ReplyReader {
        ModelTurn read(JsonNode body) throws MalformedReply;
    }

    static final class MalformedReply extends Exception {
        MalformedReply(String message) {
            super(message);
        }
    }

    /** One attempt's result: a turn, or why it failed and whether another attempt may help. */
    private record Outcome(ModelTurn turn, String error, boolean fatal, Optional<Duration> retryAfter) {
        static Outcome retry(String error, Optional<Duration> retryAfter) {
            return new Outcome(null, error, false, retryAfter);
        }
    }

    private final String provider;
    private final ProviderSettings settings;
    private final Transcript transcript;
    private final RetryPolicy policy;
    private final HttpClient client;

    HttpCaller(String provider, ProviderSettings settings, Transcript transcript) {
        this.provider = provider;
        this.settings = settings;
        this.transcript = transcript == null ? Transcript.NONE : transcript;
        this.policy = new RetryPolicy(settings.retryBase(), settings.retryMax(), settings.cooldown());
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

    ModelTurn post(URI uri, Map<String, String> headers, JsonNode body, ReplyReader reader)
            throws ProviderException, InterruptedException {
        Duration cooling = policy.cooldownRemaining();
        if (!cooling.isZero()) {
            log.info("{} - cooling down for {} ms after {} failed call(s) before the next request",
                    provider, cooling.toMillis(), policy.failedCalls());
            RetryPolicy.pause(cooling);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(settings.requestTimeout())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
        headers.forEach(builder::header);
        HttpRequest request = builder.build();

        int attempts = settings.maxRetries() + 1;
        Outcome last = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (last != null) {
                Duration wait = policy.delay(attempt - 1, last.retryAfter());
                log.warn("{} - {}; retry {}/{} in {} ms", provider, last.error(), attempt, attempts - 1, wait.toMillis());
                RetryPolicy.pause(wait);
            }
            transcript.request(provider, body);
            last = attempt(request, reader);
            if (last.turn() != null) {
                policy.succeeded();
                return last.turn();
            }
            if (last.fatal()) {
                throw new ProviderException(provider + ": " + last.error(), true);
            }
        }
        Duration cooldown = policy.failed();
        log.warn("{} - giving up after {} attempt(s): {}; cooling down {} ms", provider, attempts, last.error(),
                cooldown.toMillis());
        throw new ProviderException(provider + ": " + last.error() + " (after " + attempts
                + (attempts == 1 ? " attempt)" : " attempts)"), false);
    }

    private Outcome attempt(HttpRequest request, ReplyReader reader) throws InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = exchange(request);
        } catch (IOException e) {
            String error = describe(e, request.uri());
            transcript.failure(provider, error);
            return Outcome.retry(error, Optional.empty());
        }
        int status = response.statusCode();
        String text = redact(new String(response.body(), StandardCharsets.UTF_8));
        JsonNode json = parse(text);
        JsonNode recorded = json != null ? json : TextNode.valueOf(text);
        if (status >= 200 && status < 300) {
            if (json == null || !json.isObject()) {
                transcript.response(provider, status, recorded, null);
                return Outcome.retry("HTTP " + status + " with a body that is not a JSON object: " + excerpt(text),
                        Optional.empty());
            }
            try {
                ModelTurn turn = reader.read(json);
                transcript.response(provider, status, recorded, turn);
                return new Outcome(turn, null, false, Optional.empty());
            } catch (MalformedReply e) {
                transcript.response(provider, status, recorded, null);
                return Outcome.retry("HTTP " + status + " with an unexpected body: " + e.getMessage(), Optional.empty());
            }
        }
        transcript.response(provider, status, recorded, null);
        String error = "HTTP " + status + " " + ApiError.describe(json, excerpt(text));
        if (RetryPolicy.isTransient(status)) {
            return Outcome.retry(error, RetryPolicy.retryAfter(response.headers(), Instant.now()));
        }
        return new Outcome(null, error, true, Optional.empty());
    }

    /**
     * Sends asynchronously so that an interrupt can cancel the exchange: {@code cancel(true)}
     * aborts the request and closes its connection. The overall timeout covers the body too,
     * which the request's own timeout (headers only) does not.
     */
    private HttpResponse<byte[]> exchange(HttpRequest request) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> future =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        try {
            return future.get(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HttpTimeoutException("request timed out");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    private String describe(IOException e, URI uri) {
        String address = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
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
        return "I/O error: " + kind + (root.getMessage() == null ? "(no detail)" : redact(root.getMessage()));
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

    /** Some servers echo the credentials they refused; the key must not reach logs or transcripts. */
    private String redact(String text) {
        String key = settings.apiKey();
        return key == null || key.isEmpty() ? text : text.replace(key, "[redacted]");
    }

    static String excerpt(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        if (oneLine.isEmpty()) {
            return "(empty body)";
        }
        return Excerpt.abbreviate(oneLine, EXCERPT);
    }
}
