package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API ({@code POST {baseUrl}/v1/messages}) with tool use, without streaming.
 *
 * <p>Stop reasons pass through as the API gives them: {@code pause_turn} comes back as a turn
 * whose re-sending continues the work; {@code refusal} comes back with its text, which ends the
 * turn like {@code end_turn}. Retries, cooldown and the transcript are {@link HttpCaller}'s.
 *
 * <p>Threading: as {@link LlmProvider}: the agent loop thread only.
 */
public final class AnthropicProvider implements LlmProvider {
    static final String NAME = "anthropic";
    private static final String API_VERSION = "2023-06-01";

    private final ProviderSettings settings;
    private final HttpCaller caller;
    private final URI endpoint;
    private final Map<String, String> headers;

    public AnthropicProvider(ProviderSettings settings, Transcript transcript) {
        this.settings = settings;
        this.caller = new HttpCaller(NAME, settings, transcript);
        this.endpoint = HttpCaller.endpoint(settings.baseUrl(), "/v1/messages");
        // Without a key the API answers 401, which is the clearest report of a missing key.
        Map<String, String> headers = new LinkedHashMap<>();
        if (settings.apiKey() != null) {
            headers.put("x-api-key", settings.apiKey());
        }
        headers.put("anthropic-version", API_VERSION);
        this.headers = Map.copyOf(headers);
    }

    @Override
    public ModelTurn complete(ModelRequest request) throws ProviderException, InterruptedException {
        return caller.post(endpoint, headers, body(request), AnthropicProvider::read);
    }

    @Override
    public String model() {
        return settings.model();
    }

    private ObjectNode body(ModelRequest request) {
        ObjectNode body = HttpCaller.JSON.createObjectNode();
        body.put("model", settings.model());
        body.put("max_tokens", settings.maxOutputTokens(request));
        if (!request.system().isBlank()) {
            body.put("system", request.system());
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : request.messages()) {
            ObjectNode out = messages.addObject();
            out.put("role", message.role() == ChatMessage.Role.USER ? "user" : "assistant");
            ArrayNode content = out.putArray("content");
            // The API wants a user message's tool_result blocks before any text of it.
            for (ChatMessage.Block block : message.content()) {
                if (block instanceof ChatMessage.ToolResultBlock result) {
                    content.addObject()
                            .put("type", "tool_result")
                            .put("tool_use_id", result.toolUseId())
                            .put("content", result.content())
                            .put("is_error", result.isError());
                }
            }
            for (ChatMessage.Block block : message.content()) {
                // Empty text blocks are rejected by the API; an assistant turn with tool calls
                // only may carry one.
                if (block instanceof ChatMessage.Text text && !text.text().isEmpty()) {
                    content.addObject().put("type", "text").put("text", text.text());
                } else if (block instanceof ChatMessage.ToolUse use) {
                    ObjectNode call = content.addObject()
                            .put("type", "tool_use")
                            .put("id", use.id())
                            .put("name", use.name());
                    call.set("input", use.input() == null ? HttpCaller.JSON.createObjectNode() : use.input());
                }
            }
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec tool : request.tools()) {
                ObjectNode out = tools.addObject().put("name", tool.name()).put("description", tool.description());
                out.set("input_schema", tool.inputSchema());
            }
        }
        return body;
    }

    static ModelTurn read(JsonNode body) throws HttpCaller.MalformedReply {
        JsonNode content = body.get("content");
        if (content == null || !content.isArray()) {
            throw new HttpCaller.MalformedReply("no \"content\" array");
        }
        StringBuilder text = new StringBuilder();
        List<ModelTurn.ToolCall> calls = new ArrayList<>();
        for (JsonNode block : content) {
            String type = block.path("type").asText();
            if (type.equals("text")) {
                // Direct concatenation: the API splits one text into several blocks (citations).
                text.append(block.path("text").asText());
            } else if (type.equals("tool_use")) {
                if (!block.path("id").isTextual() || !block.path("name").isTextual()) {
                    throw new HttpCaller.MalformedReply("a tool_use block without \"id\" or \"name\"");
                }
                JsonNode input = block.get("input");
                calls.add(new ModelTurn.ToolCall(block.get("id").textValue(), block.get("name").textValue(),
                        input == null || input.isNull() ? HttpCaller.JSON.createObjectNode() : input));
            }
            // Other blocks (thinking, server tools) carry nothing the loop acts on.
        }
        String stop = body.path("stop_reason").textValue();
        if (stop == null) {
            stop = calls.isEmpty() ? "end_turn" : "tool_use";
        }
        JsonNode usage = body.path("usage");
        long in = usage.path("input_tokens").asLong(0)
                + usage.path("cache_creation_input_tokens").asLong(0)
                + usage.path("cache_read_input_tokens").asLong(0);
        return new ModelTurn(text.toString(), calls, in, usage.path("output_tokens").asLong(0), stop);
    }
}
