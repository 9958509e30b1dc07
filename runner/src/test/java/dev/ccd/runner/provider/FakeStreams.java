package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole replies of {@link FakeModelReplies} as the vendors stream them, event by event:
 * Anthropic's {@code message_start}, {@code content_block_start} / {@code content_block_delta}
 * ({@code text_delta}, {@code input_json_delta}) / {@code content_block_stop} per block, a
 * {@code ping}, {@code message_delta} (stop reason, output usage) and {@code message_stop};
 * OpenAI's {@code chat.completion.chunk}s with content and {@code tool_calls} deltas, the
 * finish reason, a usage chunk without choices ({@code stream_options.include_usage}) and
 * {@code data: [DONE]}. Text and JSON are split into small pieces, as the real servers do.
 */
public final class FakeStreams {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int PIECE = 7;

    private FakeStreams() {
    }

    /** The whole Anthropic message as a stream. */
    public static Reply anthropic(Reply whole) {
        return Reply.stream(anthropicEvents(read(whole.body())));
    }

    public static Reply openAi(Reply whole) {
        return Reply.stream(openAiEvents(read(whole.body())));
    }

    static List<String> anthropicEvents(JsonNode message) {
        List<String> events = new ArrayList<>();
        ObjectNode start = message.deepCopy();
        start.putArray("content");
        start.putNull("stop_reason");
        ObjectNode startUsage = message.path("usage").isObject() ? ((ObjectNode) message.path("usage")).deepCopy()
                : JSON.createObjectNode().put("input_tokens", 0);
        startUsage.put("output_tokens", 1);
        start.set("usage", startUsage);
        ObjectNode messageStart = JSON.createObjectNode().put("type", "message_start");
        messageStart.set("message", start);
        events.add(frame("message_start", messageStart));
        events.add(frame("ping", JSON.createObjectNode().put("type", "ping")));
        int index = 0;
        for (JsonNode block : message.path("content")) {
            ObjectNode opened = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
            String whole;
            String deltaType;
            String field;
            if (block.path("type").asText().equals("tool_use")) {
                opened.putObject("content_block").put("type", "tool_use").put("id", block.path("id").asText())
                        .put("name", block.path("name").asText()).putObject("input");
                whole = block.path("input").toString();
                deltaType = "input_json_delta";
                field = "partial_json";
            } else {
                opened.putObject("content_block").put("type", "text").put("text", "");
                whole = block.path("text").asText();
                deltaType = "text_delta";
                field = "text";
            }
            events.add(frame("content_block_start", opened));
            for (String piece : pieces(whole)) {
                ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", deltaType).put(field, piece);
                events.add(frame("content_block_delta", delta));
            }
            events.add(frame("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop")
                    .put("index", index)));
            index++;
        }
        ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", message.path("stop_reason").asText()).putNull("stop_sequence");
        delta.putObject("usage").put("output_tokens", message.path("usage").path("output_tokens").asLong(0));
        events.add(frame("message_delta", delta));
        events.add(frame("message_stop", JSON.createObjectNode().put("type", "message_stop")));
        return events;
    }

    static List<String> openAiEvents(JsonNode completion) {
        List<String> events = new ArrayList<>();
        JsonNode message = completion.path("choices").path(0).path("message");
        ObjectNode first = chunk(completion);
        first.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                .putObject("delta").put("role", "assistant").put("content", "");
        events.add(data(first));
        if (message.path("content").isTextual()) {
            for (String piece : pieces(message.path("content").textValue())) {
                ObjectNode c = chunk(completion);
                c.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                        .putObject("delta").put("content", piece);
                events.add(data(c));
            }
        }
        int index = 0;
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode opened = chunk(completion);
            ObjectNode piece = opened.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                    .putObject("delta").putArray("tool_calls").addObject().put("index", index);
            if (call.has("id")) {
                piece.put("id", call.path("id").asText());
            }
            piece.put("type", "function").putObject("function").put("name", call.path("function").path("name").asText())
                    .put("arguments", "");
            events.add(data(opened));
            JsonNode arguments = call.path("function").path("arguments");
            for (String part : pieces(arguments.isTextual() ? arguments.textValue() : arguments.toString())) {
                ObjectNode more = chunk(completion);
                more.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                        .putObject("delta").putArray("tool_calls").addObject().put("index", index)
                        .putObject("function").put("arguments", part);
                events.add(data(more));
            }
            index++;
        }
        ObjectNode last = chunk(completion);
        last.withArray("choices").addObject().put("index", 0)
                .put("finish_reason", completion.path("choices").path(0).path("finish_reason").asText())
                .putObject("delta");
        events.add(data(last));
        if (completion.has("usage")) {
            ObjectNode usage = chunk(completion);
            usage.putArray("choices");
            usage.set("usage", completion.path("usage"));
            events.add(data(usage));
        }
        events.add("data: [DONE]\n\n");
        return events;
    }

    private static ObjectNode chunk(JsonNode completion) {
        return JSON.createObjectNode().put("id", completion.path("id").asText("chatcmpl-fake"))
                .put("object", "chat.completion.chunk").put("created", completion.path("created").asLong())
                .put("model", completion.path("model").asText());
    }

    static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < text.length(); i += PIECE) {
            pieces.add(text.substring(i, Math.min(text.length(), i + PIECE)));
        }
        return pieces;
    }

    private static String frame(String event, JsonNode data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private static String data(JsonNode data) {
        return "data: " + data + "\n\n";
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
