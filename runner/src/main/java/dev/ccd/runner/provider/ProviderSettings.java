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
 * @param maxOutputTokens {@code max_tokens} of each request
 * @param connectTimeout  TCP connect timeout
 * @param requestTimeout  the whole request, response body included
 * @param maxRetries      retries of one call after its first attempt (transient errors only)
 * @param retryBase       first backoff delay; doubles per retry, with jitter, up to {@code retryMax}
 * @param retryMax        longest backoff delay, and longest {@code retry-after} honoured as given
 * @param cooldown        after a call has failed all its retries, no request is sent for this
 *                        long; doubles per further failed call up to 16 times this value, and
 *                        resets on success
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
        Duration cooldown) {

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
    }
}
