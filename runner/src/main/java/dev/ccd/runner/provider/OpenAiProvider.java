package dev.ccd.runner.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's Chat Completions ({@code POST {baseUrl}/chat/completions}, the base including
 * {@code /v1}) with function tool calls, streamed ({@link OpenAiStream}, with
 * {@code stream_options.include_usage}) unless the run says {@code stream: false}. Written for the
 * servers that copy it too (Ollama, vLLM, llama.cpp), which differ in small ways: no key, no
 * usage, tool calls without ids, arguments sent as an object instead of a string.
 *
 * <p>The output limit goes in {@code max_completion_tokens} to api.openai.com and for the
 * reasoning families (gpt-5, o1, o3, o4), which refuse {@code max_tokens}; other servers get
 * {@code max_tokens}, the field every compatible server honours (some ignore the newer one, and
 * a limit ignored is a reply unbounded). {@code max_tokens_field} in the config overrides both.
 *
 * <p>Caching is the server's, automatic for a repeated prefix: the request is built the same
 * way from the same conversation every time (system, then history, tools last), so the prefix
 * stays byte-stable; api.openai.com also gets the run as {@code prompt_cache_key}. Cached prompt
 * tokens ({@code prompt_tokens_details.cached_tokens}) are counted as cache reads.
 *
 * <p>Mapping from the neutral conversation: a user message's tool results become one
 * {@code tool} message each, before a {@code user} message with its text (if any); a failed
 * tool's result is prefixed {@code "Error: "}, the API having no error flag. Arguments that are
 * not a JSON object become the input {@code {"_invalid_arguments": "<raw>"}}, which the tool
 * refuses as an unknown field, so the model is told and can try again; the run goes on.
 *
 * <p>Threading: as {@link LlmProvider}: the agent loop thread only (also for {@code generatedIds}).
 */
public final class OpenAiProvider implements LlmProvider {
    static final String NAME = "openai";
    static final String INVALID_ARGUMENTS = "_invalid_arguments";

    private final ProviderSettings settings;
    private final HttpCaller caller;
    private final URI endpoint;
    private final Map<String, String> headers;
    private int generatedIds;

    public OpenAiProvider(ProviderSettings settings, Transcript transcript) {
        this.settings = settings;
        this.caller = new HttpCaller(NAME, settings, transcript);
        this.endpoint = HttpCaller.endpoint(settings.baseUrl(), "/chat/completions");
        this.headers = settings.apiKey() == null ? Map.of() : Map.of("authorization", "Bearer " + settings.apiKey());
    }

    @Override
    public ModelTurn complete(ModelRequest request) throws ProviderException, InterruptedException {
        return caller.post(endpoint, headers, body(request), new HttpCaller.ReplyReader() {
            @Override
            public ModelTurn read(JsonNode reply) throws HttpCaller.MalformedReply {
                return OpenAiProvider.this.read(reply);
            }

            @Override
            public HttpCaller.StreamReader stream() {
                return new OpenAiStream(OpenAiProvider.this::callId);
            }
        });
    }

    /** The id of a tool call the server sent without one. */
    String callId(String given) {
        return given == null || given.isBlank() ? "call_" + (++generatedIds) : given;
    }

    /** Which field carries the output limit (see the class comment). */
    static String maxTokensField(ProviderSettings settings) {
        if (settings.maxTokensField() != null) {
            return settings.maxTokensField();
        }
        String model = settings.model().substring(settings.model().lastIndexOf('/') + 1);
        boolean reasoning = model.startsWith("gpt-5") || model.matches("o[134]($|-.*)");
        return reasoning || isOpenAi(settings) ? "max_completion_tokens" : "max_tokens";
    }

    private static boolean isOpenAi(ProviderSettings settings) {
        return "api.openai.com".equalsIgnoreCase(settings.baseUrl().getHost());
    }

    @Override
    public String model() {
        return settings.model();
    }

    ObjectNode body(ModelRequest request) {
        ObjectNode body = HttpCaller.JSON.createObjectNode();
        body.put("model", settings.model());
        body.put(maxTokensField(settings), settings.maxOutputTokens(request));
        if (caller.streaming()) {
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
        }
        if (settings.promptCacheKey() != null && isOpenAi(settings)) {
            body.put("prompt_cache_key", settings.promptCacheKey());
        }
        ArrayNode messages = body.putArray("messages");
        if (!request.system().isBlank()) {
            messages.addObject().put("role", "system").put("content", request.system());
        }
        for (ChatMessage message : request.messages()) {
            if (message.role() == ChatMessage.Role.ASSISTANT) {
                addAssistant(messages, message);
            } else {
                addUser(messages, message);
            }
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec tool : request.tools()) {
                ObjectNode function = tools.addObject().put("type", "function").putObject("function")
                        .put("name", tool.name())
                        .put("description", tool.description());
                function.set("parameters", tool.inputSchema());
            }
        }
        return body;
    }

    private static void addAssistant(ArrayNode messages, ChatMessage message) {
        StringBuilder text = new StringBuilder();
        ArrayNode calls = HttpCaller.JSON.createArrayNode();
        for (ChatMessage.Block block : message.content()) {
            if (block instanceof ChatMessage.Text t && !t.text().isBlank()) {
                text.append(t.text());
            } else if (block instanceof ChatMessage.ToolUse use) {
                ObjectNode call = calls.addObject().put("id", use.id()).put("type", "function");
                call.putObject("function")
                        .put("name", use.name())
                        .put("arguments", use.input() == null ? "{}" : use.input().toString());
            }
        }
        ObjectNode out = messages.addObject().put("role", "assistant");
        if (calls.isEmpty()) {
            out.put("content", text.length() == 0 ? AnthropicProvider.EMPTY_MESSAGE : text.toString());
        } else {
            // null rather than "" when it only calls tools: what the API itself returns.
            out.put("content", text.length() == 0 ? null : text.toString());
            out.set("tool_calls", calls);
        }
    }

    private static void addUser(ArrayNode messages, ChatMessage message) {
        StringBuilder text = new StringBuilder();
        boolean results = false;
        for (ChatMessage.Block block : message.content()) {
            if (block instanceof ChatMessage.ToolResultBlock result) {
                results = true;
                messages.addObject()
                        .put("role", "tool")
                        .put("tool_call_id", result.toolUseId())
                        .put("content", result.isError() ? "Error: " + result.content() : result.content());
            } else if (block instanceof ChatMessage.Text t && !t.text().isBlank()) {
                text.append(text.length() == 0 ? "" : "\n\n").append(t.text());
            }
        }
        if (text.length() > 0 || !results) {
            messages.addObject().put("role", "user")
                    .put("content", text.length() == 0 ? AnthropicProvider.EMPTY_MESSAGE : text.toString());
        }
    }

    ModelTurn read(JsonNode body) throws HttpCaller.MalformedReply {
        JsonNode choice = body.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new HttpCaller.MalformedReply("no \"choices[0].message\" object");
        }
        List<ModelTurn.ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            if (!function.path("name").isTextual()) {
                throw new HttpCaller.MalformedReply("a tool call without \"function.name\"");
            }
            calls.add(new ModelTurn.ToolCall(callId(call.path("id").asText("")),
                    function.get("name").textValue(), arguments(function.get("arguments"))));
        }
        String stop = choice.path("finish_reason").textValue();
        if (stop == null) {
            stop = calls.isEmpty() ? "stop" : "tool_calls";
        }
        return new ModelTurn(content(message.get("content")), calls, usage(body.path("usage")), stop, TokenUsage.ZERO);
    }

    /** Ollama may leave usage out: counted as zero rather than failing the turn. */
    static TokenUsage usage(JsonNode usage) {
        long in = Math.max(0, usage.path("prompt_tokens").asLong(0));
        long cached = Math.min(in, Math.max(0, usage.path("prompt_tokens_details").path("cached_tokens").asLong(0)));
        return new TokenUsage(in, Math.max(0, usage.path("completion_tokens").asLong(0)), 0, 0, cached, false);
    }

    /** A string, null, or (some servers) an array of {@code {"type":"text","text":...}} parts. */
    private static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                text.append(part.path("text").asText(""));
            }
            return text.toString();
        }
        return content.asText();
    }

    static JsonNode arguments(JsonNode raw) {
        if (raw == null || raw.isNull()) {
            return HttpCaller.JSON.createObjectNode();
        }
        if (raw.isObject()) {
            return raw;
        }
        String text = raw.asText();
        if (text.isBlank()) {
            return HttpCaller.JSON.createObjectNode();
        }
        try {
            JsonNode parsed = HttpCaller.JSON.readTree(text);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (JsonProcessingException e) {
            // falls through: the tool gets the raw text under a name it will refuse
        }
        return HttpCaller.JSON.createObjectNode().put(INVALID_ARGUMENTS, text);
    }
}
