package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.io.IOException;

/**
 * Bodies in the real wire formats of the Anthropic Messages API and OpenAI Chat Completions, as
 * {@link FakeModelServer} replies. Usage is fixed: 10 tokens in, 5 out.
 *
 * <pre>{@code
 * server.enqueue(FakeModelReplies.anthropicToolUse("Looking.", new Call("toolu_1", "bash", "{\"command\":\"ls\"}")),
 *                FakeModelReplies.anthropicText("Done."));
 * server.enqueue(FakeModelReplies.openAiToolCalls(null, new Call("call_1", "bash", "{\"command\":\"ls\"}")),
 *                FakeModelReplies.openAiText("Done."));
 * }</pre>
 */
public final class FakeModelReplies {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A tool call the fake model makes. {@code id} null leaves the id out (as some local servers
     * do); {@code argumentsJson} is sent as given (an OpenAI arguments string may be invalid).
     */
    public record Call(String id, String name, String argumentsJson) {
    }

    private FakeModelReplies() {
    }

    public static Reply anthropicText(String text) {
        ObjectNode body = anthropicMessage("end_turn");
        ((ArrayNode) body.get("content")).addObject().put("type", "text").put("text", text);
        return Reply.json(200, body.toString());
    }

    /** {@code text} may be null: the model only calls tools. */
    public static Reply anthropicToolUse(String text, Call... calls) {
        return anthropicReply("tool_use", text, calls);
    }

    /** A reply that hit the output limit ({@code stop_reason: max_tokens}), with or without calls. */
    public static Reply anthropicCutOff(String text, Call... calls) {
        return anthropicReply("max_tokens", text, calls);
    }

    private static Reply anthropicReply(String stopReason, String text, Call... calls) {
        ObjectNode body = anthropicMessage(stopReason);
        ArrayNode content = (ArrayNode) body.get("content");
        if (text != null) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (Call call : calls) {
            ObjectNode block = content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name());
            block.set("input", parse(call.argumentsJson()));
        }
        return Reply.json(200, body.toString());
    }

    /** E.g. {@code anthropicError(529, "overloaded_error", "Overloaded")}. */
    public static Reply anthropicError(int status, String type, String message) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        return Reply.json(status, body.toString()).header("request-id", "req_fake");
    }

    public static Reply openAiText(String text) {
        return Reply.json(200, openAiCompletion(text, "stop").toString());
    }

    /** {@code text} may be null (content null, as the API sends with tool calls). */
    public static Reply openAiToolCalls(String text, Call... calls) {
        return openAiReply("tool_calls", text, calls);
    }

    /** A reply that hit the output limit ({@code finish_reason: length}), with or without calls. */
    public static Reply openAiCutOff(String text, Call... calls) {
        return openAiReply("length", text, calls);
    }

    private static Reply openAiReply(String finishReason, String text, Call... calls) {
        ObjectNode body = openAiCompletion(text, finishReason);
        if (calls.length == 0) {
            return Reply.json(200, body.toString());
        }
        ArrayNode toolCalls = ((ObjectNode) body.get("choices").get(0).get("message")).putArray("tool_calls");
        for (Call call : calls) {
            ObjectNode out = toolCalls.addObject();
            if (call.id() != null) {
                out.put("id", call.id());
            }
            out.put("type", "function");
            out.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
        }
        return Reply.json(200, body.toString());
    }

    /** E.g. {@code openAiError(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided")}. */
    public static Reply openAiError(int status, String type, String code, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
        return Reply.json(status, error.toString());
    }

    private static ObjectNode anthropicMessage(String stopReason) {
        ObjectNode body = JSON.createObjectNode()
                .put("id", "msg_fake")
                .put("type", "message")
                .put("role", "assistant")
                .put("model", "claude-fake");
        body.putArray("content");
        body.put("stop_reason", stopReason).putNull("stop_sequence");
        body.putObject("usage").put("input_tokens", 10).put("output_tokens", 5);
        return body;
    }

    private static ObjectNode openAiCompletion(String text, String finishReason) {
        ObjectNode body = JSON.createObjectNode()
                .put("id", "chatcmpl-fake")
                .put("object", "chat.completion")
                .put("created", 1_700_000_000)
                .put("model", "gpt-fake");
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", text);
        choice.put("finish_reason", finishReason);
        body.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", 5).put("total_tokens", 15);
        return body;
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("tool input must be a JSON object: " + json, e);
        }
    }
}
