package dev.ccd.protocol;

/** What a run has consumed so far: the {@code used} part of {@code paused_budget}. */
public record Usage(long tokensIn, long tokensOut, double costUsd, int iterations) {
    public Usage {
        FieldException.nonNegative(tokensIn, "tokens_in");
        FieldException.nonNegative(tokensOut, "tokens_out");
        FieldException.nonNegative(costUsd, "cost_usd");
        FieldException.nonNegative(iterations, "iterations");
    }

    public long tokens() {
        return tokensIn + tokensOut;
    }
}
