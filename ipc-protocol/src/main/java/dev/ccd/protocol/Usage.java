package dev.ccd.protocol;

/**
 * What a run has consumed so far: the {@code used} part of {@code paused_budget}. The cache
 * tokens are parts of {@code tokensIn}: input written to and read from the vendor's prompt cache.
 */
public record Usage(long tokensIn, long tokensOut, double costUsd, int iterations, Long cacheWriteTokens,
        Long cacheReadTokens) {
    public Usage {
        // boxed so that a line without them decodes; absent is 0
        cacheWriteTokens = cacheWriteTokens == null ? 0L : cacheWriteTokens;
        cacheReadTokens = cacheReadTokens == null ? 0L : cacheReadTokens;
        FieldException.nonNegative(tokensIn, "tokens_in");
        FieldException.nonNegative(tokensOut, "tokens_out");
        FieldException.nonNegative(costUsd, "cost_usd");
        FieldException.nonNegative(iterations, "iterations");
        FieldException.nonNegative(cacheWriteTokens, "cache_write_tokens");
        FieldException.nonNegative(cacheReadTokens, "cache_read_tokens");
    }

    public Usage(long tokensIn, long tokensOut, double costUsd, int iterations) {
        this(tokensIn, tokensOut, costUsd, iterations, 0L, 0L);
    }

    public long tokens() {
        return tokensIn + tokensOut;
    }
}
