package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The model's reply to one request.
 *
 * @param text       its text (may be empty when it only calls tools)
 * @param toolCalls  the tools it calls; empty when it ends its turn
 * @param tokensIn   input tokens the provider billed for the request
 * @param tokensOut  output tokens of the reply
 * @param stopReason the provider's reason, e.g. {@code end_turn}, {@code tool_use}, {@code max_tokens}
 */
public record ModelTurn(String text, List<ToolCall> toolCalls, long tokensIn, long tokensOut, String stopReason) {

    public ModelTurn {
        text = text == null ? "" : text;
        toolCalls = List.copyOf(toolCalls);
    }

    public record ToolCall(String id, String name, JsonNode input) {
    }
}
