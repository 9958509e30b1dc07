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
 * Anthropic's Messages API ({@code POST {baseUrl}/v1/messages}) with tool use, streamed
 * ({@link AnthropicStream}) unless the run says {@code stream: false}.
 *
 * <p>Prompt caching (unless {@code cache_ttl} is {@code off}): {@code cache_control} breakpoints,
 * all of the run's lifetime ({@code 5m} or {@code 1h}), at most three of the API's four: after
 * tools and system (the system block), on the last block of the newest message, and on the
 * newest message of the previous request (two back: each call adds the reply and the next user
 * message), so that the cache entry the previous call wrote is read by this one. The markers exist only in the request; the conversation stays plain. The
 * prefix is built the same way from the same conversation every time (no timestamps, no
 * counters), so it stays byte-stable until compaction rewrites history and a new one is written.
 *
 * <p>Stop reasons pass through as the API gives them: {@code pause_turn} comes back as a turn
 * whose re-sending continues the work; {@code refusal} comes back with its text, which ends the
 * turn like {@code end_turn}; {@code model_context_window_exceeded} is the loop's to act on.
 * Text blocks that are empty or whitespace only are never sent (the API refuses them); a message
 * left without content is sent as {@code (no text)}. Retries, cooldown and the transcript are
 * {@link HttpCaller}'s.
 *
 * <p>Threading: as {@link LlmProvider}: the agent loop thread only.
 */
public final class AnthropicProvider implements LlmProvider {
    static final String NAME = "anthropic";
    static final String EMPTY_MESSAGE = "(no text)";
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
        return caller.post(endpoint, headers, body(request), new HttpCaller.ReplyReader() {
            @Override
            public ModelTurn read(JsonNode reply) throws HttpCaller.MalformedReply {
                return AnthropicProvider.read(reply);
            }

            @Override
            public HttpCaller.StreamReader stream() {
                return new AnthropicStream();
            }
        });
    }

    @Override
    public String model() {
        return settings.model();
    }

    ObjectNode body(ModelRequest request) {
        ObjectNode cache = settings.cacheTtl().equals("off") ? null
                : HttpCaller.JSON.createObjectNode().put("type", "ephemeral").put("ttl", settings.cacheTtl());
        ObjectNode body = HttpCaller.JSON.createObjectNode();
        body.put("model", settings.model());
        body.put("max_tokens", settings.maxOutputTokens(request));
        if (caller.streaming()) {
            body.put("stream", true);
        }
        ArrayNode tools = null;
        if (!request.tools().isEmpty()) {
            tools = HttpCaller.JSON.createArrayNode();
            for (ToolSpec tool : request.tools()) {
                ObjectNode out = tools.addObject().put("name", tool.name()).put("description", tool.description());
                out.set("input_schema", tool.inputSchema());
            }
        }
        if (!request.system().isBlank()) {
            ObjectNode system = body.putArray("system").addObject().put("type", "text").put("text", request.system());
            mark(system, cache);
        } else if (tools != null) {
            mark((ObjectNode) tools.get(tools.size() - 1), cache);
        }
        ArrayNode messages = body.putArray("messages");
        int last = request.messages().size() - 1;
        for (int i = 0; i <= last; i++) {
            ArrayNode content = content(request.messages().get(i));
            messages.addObject()
                    .put("role", request.messages().get(i).role() == ChatMessage.Role.USER ? "user" : "assistant")
                    .set("content", content);
            // The previous request ended two messages back (each call adds the reply and the next
            // user message): its breakpoint, which the cache holds, is marked again.
            if (i == last || i == last - 2) {
                mark((ObjectNode) content.get(content.size() - 1), cache);
            }
        }
        if (tools != null) {
            body.set("tools", tools);
        }
        return body;
    }

    private static void mark(ObjectNode block, ObjectNode cache) {
        if (cache != null) {
            block.set("cache_control", cache);
        }
    }

    private static ArrayNode content(ChatMessage message) {
        ArrayNode content = HttpCaller.JSON.createArrayNode();
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
            // "text content blocks must contain non-whitespace text": the model's "\n\n" before
            // a tool call is dropped.
            if (block instanceof ChatMessage.Text text && !text.text().isBlank()) {
                content.addObject().put("type", "text").put("text", text.text());
            } else if (block instanceof ChatMessage.ToolUse use) {
                ObjectNode call = content.addObject()
                        .put("type", "tool_use")
                        .put("id", use.id())
                        .put("name", use.name());
                call.set("input", use.input() == null ? HttpCaller.JSON.createObjectNode() : use.input());
            }
        }
        if (content.isEmpty()) {
            content.addObject().put("type", "text").put("text", EMPTY_MESSAGE);
        }
        return content;
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
        return new ModelTurn(text.toString(), calls, usage(body.path("usage"), TokenUsage.ZERO),
                stopReason(body.path("stop_reason").textValue(), calls), TokenUsage.ZERO);
    }

    static String stopReason(String given, List<ModelTurn.ToolCall> calls) {
        return given != null ? given : calls.isEmpty() ? "end_turn" : "tool_use";
    }

    /**
     * A {@code usage} object over what is known: each count it has replaces the known one (the
     * stream's counts are cumulative). Input is the sum of the uncached, written and read parts.
     */
    static TokenUsage usage(JsonNode usage, TokenUsage known) {
        long write = count(usage, "cache_creation_input_tokens", known.cacheWrite());
        long read = count(usage, "cache_read_input_tokens", known.cacheRead());
        long uncached = count(usage, "input_tokens", known.input() - known.cacheWrite() - known.cacheRead());
        long write1h = count(usage.path("cache_creation"), "ephemeral_1h_input_tokens", known.cacheWrite1h());
        return new TokenUsage(uncached + write + read, count(usage, "output_tokens", known.output()), write,
                Math.min(write1h, write), read, false);
    }

    private static long count(JsonNode node, String field, long fallback) {
        JsonNode value = node.path(field);
        return value.isNumber() ? Math.max(0, value.asLong()) : fallback;
    }
}
