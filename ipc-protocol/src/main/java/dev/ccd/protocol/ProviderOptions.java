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
 */
public record ProviderOptions(
        Integer maxOutputTokens,
        Double connectTimeoutS,
        Double requestTimeoutS,
        Integer maxRetries,
        Double retryBaseS,
        Double retryMaxS,
        Double cooldownS) {

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
    }

    private static void positive(Double value, String field) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new FieldException(field, "must be a number > 0, got " + value);
        }
    }
}
