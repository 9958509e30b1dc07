package dev.ccd.runner.provider;

import java.net.URI;
import java.time.Duration;

/**
 * {@link ProviderSettings} for tests, with waits short enough for them: model {@code model-x},
 * key {@code k}, 1000 output tokens, a 2 s connect and a 10 s request timeout, no retries, a
 * backoff of 10 ms up to 1 s, a 10 ms cooldown, streaming with a 10 s idle timeout, 5-minute
 * caching. A test sets only what it is about.
 */
final class TestProviderSettings {
    private final URI baseUrl;
    private String model = "model-x";
    private String apiKey = "k";
    private int maxOutputTokens = 1000;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int maxRetries;
    private boolean stream = true;
    private Duration streamIdleTimeout = Duration.ofSeconds(10);
    private String cacheTtl = "5m";
    private String maxTokensField;
    private String promptCacheKey;

    private TestProviderSettings(URI baseUrl) {
        this.baseUrl = baseUrl;
    }

    static TestProviderSettings at(URI baseUrl) {
        return new TestProviderSettings(baseUrl);
    }

    TestProviderSettings model(String model) {
        this.model = model;
        return this;
    }

    TestProviderSettings apiKey(String apiKey) {
        this.apiKey = apiKey;
        return this;
    }

    TestProviderSettings maxOutputTokens(int maxOutputTokens) {
        this.maxOutputTokens = maxOutputTokens;
        return this;
    }

    TestProviderSettings requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
    }

    TestProviderSettings maxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
        return this;
    }

    TestProviderSettings stream(boolean stream) {
        this.stream = stream;
        return this;
    }

    TestProviderSettings streamIdleTimeout(Duration streamIdleTimeout) {
        this.streamIdleTimeout = streamIdleTimeout;
        return this;
    }

    TestProviderSettings cacheTtl(String cacheTtl) {
        this.cacheTtl = cacheTtl;
        return this;
    }

    TestProviderSettings maxTokensField(String maxTokensField) {
        this.maxTokensField = maxTokensField;
        return this;
    }

    TestProviderSettings promptCacheKey(String promptCacheKey) {
        this.promptCacheKey = promptCacheKey;
        return this;
    }

    ProviderSettings build() {
        return new ProviderSettings(model, baseUrl, apiKey, maxOutputTokens, Duration.ofSeconds(2), requestTimeout,
                maxRetries, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofMillis(10), stream, streamIdleTimeout,
                cacheTtl, maxTokensField, promptCacheKey);
    }
}
