package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The model's reply to one request.
 *
 * @param text       its text (may be empty when it only calls tools)
 * @param toolCalls  the tools it calls; empty when it ends its turn
 * @param usage      what the vendor billed for the attempt that gave this reply
 * @param stopReason the provider's reason, e.g. {@code end_turn}, {@code tool_use}, {@code max_tokens}
 * @param abandoned  what earlier attempts of the same call used before they failed (timed out,
 *                   cut): billed by the vendor too, so counted; mostly estimated
 * @param retries    requests sent for this reply beyond the first (0 when the first answered)
 */
public record ModelTurn(String text, List<ToolCall> toolCalls, TokenUsage usage, String stopReason,
        TokenUsage abandoned, int retries) {

    public ModelTurn {
        text = text == null ? "" : text;
        toolCalls = List.copyOf(toolCalls);
        usage = usage == null ? TokenUsage.ZERO : usage;
        abandoned = abandoned == null ? TokenUsage.ZERO : abandoned;
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
    }

    /** A reply its first request got. */
    public ModelTurn(String text, List<ToolCall> toolCalls, TokenUsage usage, String stopReason, TokenUsage abandoned) {
        this(text, toolCalls, usage, stopReason, abandoned, 0);
    }

    public ModelTurn(String text, List<ToolCall> toolCalls, long tokensIn, long tokensOut, String stopReason) {
        this(text, toolCalls, TokenUsage.of(tokensIn, tokensOut), stopReason, TokenUsage.ZERO);
    }

    /** Input tokens the provider billed for the request (cached included). */
    public long tokensIn() {
        return usage.input();
    }

    public long tokensOut() {
        return usage.output();
    }

    ModelTurn withAttempts(TokenUsage spent, int retried) {
        return new ModelTurn(text, toolCalls, usage, stopReason, spent, retried);
    }

    public record ToolCall(String id, String name, JsonNode input) {
    }
}
