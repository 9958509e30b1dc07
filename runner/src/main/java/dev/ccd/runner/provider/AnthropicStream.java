package dev.ccd.runner.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One streamed Messages reply: {@code message_start} (input usage), per content block a
 * {@code content_block_start}, {@code content_block_delta}s ({@code text_delta}, or
 * {@code input_json_delta} pieces of a tool call's input JSON) and {@code content_block_stop},
 * then {@code message_delta} (stop reason, cumulative usage) and {@code message_stop}.
 * {@code ping} is ignored; an {@code error} event (e.g. {@code overloaded_error}) fails the
 * attempt, which is retried.
 *
 * <p>Used by one attempt on the agent loop thread.
 */
final class AnthropicStream implements HttpCaller.StreamReader {
    private static final class Block {
        final String type;
        final String id;
        final String name;
        final StringBuilder text = new StringBuilder();

        Block(String type, String id, String name) {
            this.type = type;
            this.id = id;
            this.name = name;
        }
    }

    private final Map<Integer, Block> blocks = new TreeMap<>();
    private TokenUsage usage = TokenUsage.ZERO;
    private long streamedChars;
    private String stopReason;
    private boolean started;

    @Override
    public boolean event(String name, JsonNode data) throws HttpCaller.MalformedReply {
        if (data == null) {
            throw new HttpCaller.MalformedReply("[DONE] is not an Anthropic event");
        }
        String type = data.path("type").asText(name == null ? "" : name);
        switch (type) {
            case "message_start" -> {
                started = true;
                usage = AnthropicProvider.usage(data.path("message").path("usage"), usage);
            }
            case "content_block_start" -> {
                JsonNode block = data.path("content_block");
                Block b = new Block(block.path("type").asText(), block.path("id").textValue(),
                        block.path("name").textValue());
                if (b.type.equals("text")) {
                    b.text.append(block.path("text").asText(""));
                }
                blocks.put(data.path("index").asInt(), b);
            }
            case "content_block_delta" -> {
                Block b = blocks.get(data.path("index").asInt());
                if (b == null) {
                    throw new HttpCaller.MalformedReply("a content_block_delta for block " + data.path("index")
                            + ", which was never started");
                }
                JsonNode delta = data.path("delta");
                String piece = switch (delta.path("type").asText()) {
                    case "text_delta" -> delta.path("text").asText("");
                    case "input_json_delta" -> delta.path("partial_json").asText("");
                    default -> ""; // thinking, signatures, citations: nothing the loop acts on
                };
                b.text.append(piece);
                streamedChars += piece.length();
            }
            case "message_delta" -> {
                stopReason = data.path("delta").path("stop_reason").textValue();
                usage = AnthropicProvider.usage(data.path("usage"), usage);
            }
            case "message_stop" -> {
                if (!started) {
                    throw new HttpCaller.MalformedReply("message_stop without message_start");
                }
                return true;
            }
            case "error" -> throw new HttpCaller.MalformedReply("error event: "
                    + data.path("error").path("type").asText("?") + ": " + data.path("error").path("message").asText(""));
            default -> {
                // ping, content_block_stop, and events added to the API later
            }
        }
        return false;
    }

    @Override
    public ModelTurn turn() throws HttpCaller.MalformedReply {
        StringBuilder text = new StringBuilder();
        List<ModelTurn.ToolCall> calls = new ArrayList<>();
        for (Block b : blocks.values()) {
            if (b.type.equals("text")) {
                text.append(b.text);
            } else if (b.type.equals("tool_use")) {
                if (b.id == null || b.name == null) {
                    throw new HttpCaller.MalformedReply("a tool_use block without \"id\" or \"name\"");
                }
                calls.add(new ModelTurn.ToolCall(b.id, b.name, input(b)));
            }
        }
        return new ModelTurn(text.toString(), calls, usage, AnthropicProvider.stopReason(stopReason, calls),
                TokenUsage.ZERO);
    }

    /** The input JSON its pieces make; empty input is {@code {}}. */
    private static JsonNode input(Block b) throws HttpCaller.MalformedReply {
        if (b.text.toString().isBlank()) {
            return HttpCaller.JSON.createObjectNode();
        }
        try {
            JsonNode input = HttpCaller.JSON.readTree(b.text.toString());
            if (input == null || !input.isObject()) {
                throw new HttpCaller.MalformedReply("tool_use " + b.id + " input is not a JSON object");
            }
            return input;
        } catch (JsonProcessingException e) {
            throw new HttpCaller.MalformedReply("tool_use " + b.id + " input is not JSON: " + e.getOriginalMessage());
        }
    }

    @Override
    public TokenUsage soFar() {
        // Output tokens as far as the stream told them, else its characters / 4.
        return usage.output() > 1 ? usage : new TokenUsage(usage.input(), Math.max(usage.output(),
                (streamedChars + 3) / 4), usage.cacheWrite(), usage.cacheWrite1h(), usage.cacheRead(), true);
    }
}
