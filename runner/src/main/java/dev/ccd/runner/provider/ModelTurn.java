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
 */
public record ModelTurn(String text, List<ToolCall> toolCalls, TokenUsage usage, String stopReason,
        TokenUsage abandoned) {

    public ModelTurn {
        text = text == null ? "" : text;
        toolCalls = List.copyOf(toolCalls);
        usage = usage == null ? TokenUsage.ZERO : usage;
        abandoned = abandoned == null ? TokenUsage.ZERO : abandoned;
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

    ModelTurn withAbandoned(TokenUsage spent) {
        return new ModelTurn(text, toolCalls, usage, stopReason, spent);
    }

    public record ToolCall(String id, String name, JsonNode input) {
    }
}
