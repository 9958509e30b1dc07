package dev.ccd.runner.provider;

/**
 * Tokens one model call used, as the vendor bills them.
 *
 * @param input        all input the model read, cached or not
 * @param output       output tokens
 * @param cacheWrite   the part of {@code input} written to the prompt cache (Anthropic)
 * @param cacheWrite1h the part of {@code cacheWrite} written with the 1-hour lifetime
 * @param cacheRead    the part of {@code input} read from the prompt cache
 * @param estimated    true when the figures are ccd's estimate (an attempt abandoned before
 *                     the vendor said what it used)
 */
public record TokenUsage(long input, long output, long cacheWrite, long cacheWrite1h, long cacheRead,
        boolean estimated) {
    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0, false);

    public TokenUsage {
        if (input < 0 || output < 0 || cacheWrite < 0 || cacheWrite1h < 0 || cacheRead < 0 || cacheWrite1h > cacheWrite) {
            throw new IllegalArgumentException("token counts must be >= 0 (1h writes within writes): in " + input
                    + ", out " + output + ", write " + cacheWrite + " (1h " + cacheWrite1h + "), read " + cacheRead);
        }
    }

    public static TokenUsage of(long input, long output) {
        return new TokenUsage(input, output, 0, 0, 0, false);
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(input + other.input, output + other.output, cacheWrite + other.cacheWrite,
                cacheWrite1h + other.cacheWrite1h, cacheRead + other.cacheRead, estimated || other.estimated);
    }

    public boolean isZero() {
        return input == 0 && output == 0;
    }
}
