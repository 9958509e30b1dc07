package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * One streamed Chat Completions reply: {@code chat.completion.chunk}s whose
 * {@code choices[0].delta} carries pieces of the text ({@code content}) and of tool calls
 * ({@code tool_calls[]}, keyed by {@code index}: the first piece has the id and name, later ones
 * more of the arguments string), a chunk with {@code finish_reason}, a last chunk with no choices
 * and the {@code usage} ({@code stream_options.include_usage}), then {@code data: [DONE]}. A
 * server that sends no usage chunk counts zero, as without streaming.
 *
 * <p>Used by one attempt on the agent loop thread.
 */
final class OpenAiStream implements HttpCaller.StreamReader {
    private static final class Call {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
    }

    private final UnaryOperator<String> ids;
    private final StringBuilder text = new StringBuilder();
    private final Map<Integer, Call> calls = new TreeMap<>();
    private TokenUsage usage = TokenUsage.ZERO;
    private String finishReason;
    private long streamedChars;

    OpenAiStream(UnaryOperator<String> ids) {
        this.ids = ids;
    }

    @Override
    public boolean event(String name, JsonNode data) throws HttpCaller.MalformedReply {
        if (data == null) {
            return true; // [DONE]
        }
        if (data.has("error")) {
            throw new HttpCaller.MalformedReply("error chunk: " + data.path("error").path("message").asText(data.toString()));
        }
        if (data.path("usage").isObject()) {
            usage = OpenAiProvider.usage(data.path("usage"));
        }
        JsonNode choice = data.path("choices").path(0);
        if (choice.isMissingNode()) {
            return false;
        }
        JsonNode delta = choice.path("delta");
        if (delta.path("content").isTextual()) {
            text.append(delta.path("content").textValue());
            streamedChars += delta.path("content").textValue().length();
        }
        for (JsonNode piece : delta.path("tool_calls")) {
            Call call = calls.computeIfAbsent(piece.path("index").asInt(calls.size()), i -> new Call());
            if (piece.path("id").isTextual() && !piece.path("id").textValue().isEmpty()) {
                call.id = piece.path("id").textValue();
            }
            JsonNode function = piece.path("function");
            if (function.path("name").isTextual() && !function.path("name").textValue().isEmpty()) {
                call.name = function.path("name").textValue();
            }
            JsonNode arguments = function.path("arguments");
            String more = arguments.isTextual() ? arguments.textValue() : arguments.isObject() ? arguments.toString() : "";
            call.arguments.append(more);
            streamedChars += more.length();
        }
        if (choice.path("finish_reason").isTextual()) {
            finishReason = choice.path("finish_reason").textValue();
        }
        return false;
    }

    @Override
    public ModelTurn turn() throws HttpCaller.MalformedReply {
        List<ModelTurn.ToolCall> out = new ArrayList<>();
        for (Call call : calls.values()) {
            if (call.name == null) {
                throw new HttpCaller.MalformedReply("a tool call without \"function.name\"");
            }
            out.add(new ModelTurn.ToolCall(ids.apply(call.id), call.name,
                    OpenAiProvider.arguments(TextNode.valueOf(call.arguments.toString()))));
        }
        String stop = finishReason != null ? finishReason : out.isEmpty() ? "stop" : "tool_calls";
        return new ModelTurn(text.toString(), out, usage, stop, TokenUsage.ZERO);
    }

    @Override
    public TokenUsage soFar() {
        return new TokenUsage(usage.input(), Math.max(usage.output(), (streamedChars + 3) / 4), 0, 0, usage.cacheRead(),
                true);
    }
}
