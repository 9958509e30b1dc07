package dev.ccd.runner;

import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.runner.provider.AnthropicProvider;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.OpenAiProvider;
import dev.ccd.runner.provider.ProviderSettings;
import dev.ccd.runner.provider.ScriptedProvider;
import dev.ccd.runner.provider.Transcript;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Builds the run's provider from its config and the environment. API keys come from the
 * environment only ({@code ANTHROPIC_API_KEY}, {@code OPENAI_API_KEY}); base URLs from the config,
 * else {@code ANTHROPIC_BASE_URL} / {@code OPENAI_BASE_URL}, else the vendor's. Every error names
 * what is missing or wrong: it becomes the run's {@code bad_config} error.
 */
final class Providers {

    private Providers() {
    }

    static LlmProvider create(RunConfig config, Map<String, String> env, Transcript transcript) throws IOException {
        return create(config, env, transcript, null);
    }

    /** {@code cacheKey} (the run) groups its requests for OpenAI's prompt cache; may be null. */
    static LlmProvider create(RunConfig config, Map<String, String> env, Transcript transcript, String cacheKey)
            throws IOException {
        return switch (config.provider()) {
            case "scripted" -> {
                if (config.script() == null) {
                    throw new IllegalArgumentException("provider scripted needs a script (a JSONL file of model turns)");
                }
                yield ScriptedProvider.load(Path.of(config.script()), transcript);
            }
            case "anthropic" -> {
                String key = env.get("ANTHROPIC_API_KEY");
                if (key == null || key.isBlank()) {
                    throw new IllegalArgumentException("provider anthropic needs the environment variable"
                            + " ANTHROPIC_API_KEY (set it where you run 'ccd agent start' or 'ccd start')");
                }
                yield new AnthropicProvider(settings(config,
                        baseUrl(config, env.get("ANTHROPIC_BASE_URL"), "https://api.anthropic.com"), key, cacheKey),
                        transcript);
            }
            case "openai" -> new OpenAiProvider(settings(config,
                    baseUrl(config, env.get("OPENAI_BASE_URL"), "https://api.openai.com/v1"), env.get("OPENAI_API_KEY"),
                    cacheKey), transcript);
            default -> throw new IllegalArgumentException("unknown provider '" + config.provider()
                    + "': expected anthropic, openai or scripted");
        };
    }

    private static ProviderSettings settings(RunConfig config, URI baseUrl, String key, String cacheKey) {
        ProviderOptions o = config.providerOptions() != null ? config.providerOptions()
                : new ProviderOptions(null, null, null, null, null, null, null);
        return new ProviderSettings(
                config.model() != null ? config.model() : RunConfig.defaultModel(config.provider()),
                baseUrl,
                key == null || key.isBlank() ? null : key,
                o.maxOutputTokens() != null ? o.maxOutputTokens() : 4096,
                seconds(o.connectTimeoutS(), 10),
                seconds(o.requestTimeoutS(), 300),
                o.maxRetries() != null ? o.maxRetries() : 4,
                seconds(o.retryBaseS(), 1),
                seconds(o.retryMaxS(), 60),
                seconds(o.cooldownS(), 30),
                o.stream() == null || o.stream(),
                o.streamIdleTimeoutS() != null ? seconds(o.streamIdleTimeoutS(), 0)
                        : ProviderSettings.DEFAULT_STREAM_IDLE_TIMEOUT,
                o.cacheTtl() != null ? o.cacheTtl() : "5m",
                o.maxTokensField(),
                cacheKey);
    }

    private static URI baseUrl(RunConfig config, String fromEnv, String vendor) {
        String url = config.baseUrl() != null ? config.baseUrl() : fromEnv != null && !fromEnv.isBlank() ? fromEnv : vendor;
        try {
            URI uri = new URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("base URL '" + url + "' must be an http(s) URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("base URL '" + url + "' is not a URL: " + e.getMessage());
        }
    }

    private static Duration seconds(Double value, double fallback) {
        return Duration.ofMillis(Math.round(1000 * (value != null ? value : fallback)));
    }
}
