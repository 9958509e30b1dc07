package dev.ccd.protocol;

/**
 * How the runner talks to an HTTP model API. Every field is optional; the runner's defaults
 * apply to what is null.
 *
 * @param maxOutputTokens {@code max_tokens} per model call (default 4096)
 * @param connectTimeoutS TCP connect timeout (default 10)
 * @param requestTimeoutS one whole request (default 300)
 * @param maxRetries      retries of a transient failure (default 4)
 * @param retryBaseS      first backoff delay, doubled per retry with jitter (default 1)
 * @param retryMaxS       longest backoff delay and longest {@code retry-after} honoured (default 60)
 * @param cooldownS       pause after a call failed all its retries, doubling up to 16x (default 30)
 * @param stream          stream replies as server-sent events (default true; a server that
 *                        answers without a stream is detected and used without)
 * @param streamIdleTimeoutS  longest silence between two events of a stream (default 120)
 * @param cacheTtl        Anthropic prompt-cache lifetime: {@code 5m}, {@code 1h} or {@code off}
 *                        (default 5m)
 * @param maxTokensField  OpenAI's output-limit field, {@code max_tokens} or
 *                        {@code max_completion_tokens}; null chooses by server and model
 */
public record ProviderOptions(
        Integer maxOutputTokens,
        Double connectTimeoutS,
        Double requestTimeoutS,
        Integer maxRetries,
        Double retryBaseS,
        Double retryMaxS,
        Double cooldownS,
        Boolean stream,
        Double streamIdleTimeoutS,
        String cacheTtl,
        String maxTokensField) {

    public static final java.util.List<String> CACHE_TTLS = java.util.List.of("5m", "1h", "off");
    public static final java.util.List<String> MAX_TOKENS_FIELDS = java.util.List.of("max_tokens",
            "max_completion_tokens");

    public ProviderOptions(Integer maxOutputTokens, Double connectTimeoutS, Double requestTimeoutS, Integer maxRetries,
            Double retryBaseS, Double retryMaxS, Double cooldownS) {
        this(maxOutputTokens, connectTimeoutS, requestTimeoutS, maxRetries, retryBaseS, retryMaxS, cooldownS, null, null,
                null, null);
    }

    public ProviderOptions {
        positive(maxOutputTokens == null ? null : maxOutputTokens.doubleValue(), "max_output_tokens");
        positive(connectTimeoutS, "connect_timeout_s");
        positive(requestTimeoutS, "request_timeout_s");
        if (maxRetries != null) {
            FieldException.nonNegative(maxRetries, "max_retries");
        }
        positive(retryBaseS, "retry_base_s");
        positive(retryMaxS, "retry_max_s");
        if (cooldownS != null) {
            FieldException.nonNegative(cooldownS, "cooldown_s");
        }
        positive(streamIdleTimeoutS, "stream_idle_timeout_s");
        if (cacheTtl != null && !CACHE_TTLS.contains(cacheTtl)) {
            throw new FieldException("cache_ttl", "must be 5m, 1h or off, got '" + cacheTtl + "'");
        }
        if (maxTokensField != null && !MAX_TOKENS_FIELDS.contains(maxTokensField)) {
            throw new FieldException("max_tokens_field", "must be max_tokens or max_completion_tokens, got '"
                    + maxTokensField + "'");
        }
    }

    private static void positive(Double value, String field) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new FieldException(field, "must be a number > 0, got " + value);
        }
    }
}
