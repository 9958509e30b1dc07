package dev.ccd.runner.provider;

import java.net.URI;
import java.time.Duration;

/**
 * How an HTTP provider talks to its API. Built by the runner from {@code init.config} and the
 * environment (the API key never travels in {@code init}).
 *
 * @param model           the model name sent in each request
 * @param baseUrl         the API's base, e.g. {@code https://api.anthropic.com} or
 *                        {@code http://127.0.0.1:11434/v1}
 * @param apiKey          may be null (local OpenAI-compatible servers need none)
 * @param maxOutputTokens the output limit of each request
 * @param connectTimeout  TCP connect timeout
 * @param requestTimeout  a whole request without streaming, response body included; with
 *                        streaming, the wait for the response headers
 * @param maxRetries      retries of one call after its first attempt (transient errors only)
 * @param retryBase       first backoff delay; doubles per retry, with jitter, up to {@code retryMax}
 * @param retryMax        longest backoff delay, and longest {@code retry-after} honoured as given
 * @param cooldown        after a call has failed all its retries, no request is sent for this
 *                        long; doubles per further failed call up to 16 times this value, and
 *                        resets on success
 * @param stream          ask for server-sent events (a server that answers without is then used without)
 * @param streamIdleTimeout longest silence between two events of a stream
 * @param cacheTtl        Anthropic prompt-cache lifetime: {@code 5m}, {@code 1h} or {@code off}
 * @param maxTokensField  OpenAI's output-limit field, or null to choose by server and model
 * @param promptCacheKey  OpenAI {@code prompt_cache_key} (the run), sent to api.openai.com only; may be null
 */
public record ProviderSettings(
        String model,
        URI baseUrl,
        String apiKey,
        int maxOutputTokens,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxRetries,
        Duration retryBase,
        Duration retryMax,
        Duration cooldown,
        boolean stream,
        Duration streamIdleTimeout,
        String cacheTtl,
        String maxTokensField,
        String promptCacheKey) {

    public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(120);

    /** Settings with streaming on, 5-minute caching and the output-limit field chosen by server. */
    public ProviderSettings(String model, URI baseUrl, String apiKey, int maxOutputTokens, Duration connectTimeout,
            Duration requestTimeout, int maxRetries, Duration retryBase, Duration retryMax, Duration cooldown) {
        this(model, baseUrl, apiKey, maxOutputTokens, connectTimeout, requestTimeout, maxRetries, retryBase, retryMax,
                cooldown, true, DEFAULT_STREAM_IDLE_TIMEOUT, "5m", null, null);
    }

    /** {@code max_tokens} for one request: the configured limit, or the request's lower cap. */
    public int maxOutputTokens(ModelRequest request) {
        return request.maxOutputTokens() > 0 ? Math.min(request.maxOutputTokens(), maxOutputTokens) : maxOutputTokens;
    }

    public ProviderSettings {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model is required");
        }
        if (baseUrl == null) {
            throw new IllegalArgumentException("base URL is required");
        }
        if (maxOutputTokens < 1 || maxRetries < 0) {
            throw new IllegalArgumentException("maxOutputTokens must be >= 1 and maxRetries >= 0");
        }
        if (!(cacheTtl.equals("5m") || cacheTtl.equals("1h") || cacheTtl.equals("off"))) {
            throw new IllegalArgumentException("cache_ttl must be 5m, 1h or off, got '" + cacheTtl + "'");
        }
        RetryPolicy.requireNonNegative("streamIdleTimeout", streamIdleTimeout);
    }

    /** The same settings with other streaming and caching choices. */
    public ProviderSettings with(boolean stream, String cacheTtl) {
        return new ProviderSettings(model, baseUrl, apiKey, maxOutputTokens, connectTimeout, requestTimeout, maxRetries,
                retryBase, retryMax, cooldown, stream, streamIdleTimeout, cacheTtl, maxTokensField, promptCacheKey);
    }
}
