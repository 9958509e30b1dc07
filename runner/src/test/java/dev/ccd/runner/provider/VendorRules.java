package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.util.Optional;

/**
 * Rules the vendors' servers enforce on a request, which the fake server enforces too, answering
 * as they do (400 {@code invalid_request_error}): so that a test sending what the real API would
 * reject fails. Anthropic: no empty or whitespace-only text block, no message without content, at
 * most 4 {@code cache_control} breakpoints, no 1-hour breakpoint after a 5-minute one. OpenAI:
 * the reasoning families (gpt-5, o1, o3, o4) refuse {@code max_tokens}.
 */
final class VendorRules {
    private VendorRules() {
    }

    static Optional<Reply> check(String path, JsonNode request) {
        if (path.endsWith("/v1/messages")) {
            return anthropic(request);
        }
        if (path.endsWith("/chat/completions")) {
            return openAi(request);
        }
        return Optional.empty();
    }

    private static Optional<Reply> anthropic(JsonNode request) {
        int breakpoints = 0;
        boolean fiveMinutes = false;
        for (JsonNode block : blocks(request)) {
            if (block.path("type").asText().equals("text") && block.path("text").asText().isBlank()) {
                return Optional.of(FakeModelReplies.anthropicError(400, "invalid_request_error",
                        "messages: text content blocks must contain non-whitespace text"));
            }
            JsonNode marker = block.path("cache_control");
            if (marker.isObject()) {
                breakpoints++;
                String ttl = marker.path("ttl").asText("5m");
                if (ttl.equals("1h") && fiveMinutes) {
                    return Optional.of(FakeModelReplies.anthropicError(400, "invalid_request_error",
                            "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block"));
                }
                fiveMinutes |= ttl.equals("5m");
            }
        }
        if (breakpoints > 4) {
            return Optional.of(FakeModelReplies.anthropicError(400, "invalid_request_error",
                    "A maximum of 4 blocks with cache_control may be provided. Found " + breakpoints + "."));
        }
        for (JsonNode message : request.path("messages")) {
            JsonNode content = message.path("content");
            if ((content.isArray() && content.isEmpty()) || (content.isTextual() && content.asText().isBlank())) {
                return Optional.of(FakeModelReplies.anthropicError(400, "invalid_request_error",
                        "messages: all messages must have non-empty content"));
            }
        }
        return Optional.empty();
    }

    private static Iterable<JsonNode> blocks(JsonNode request) {
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        request.path("tools").forEach(all::add);
        if (request.path("system").isArray()) {
            request.path("system").forEach(all::add);
        }
        for (JsonNode message : request.path("messages")) {
            if (message.path("content").isArray()) {
                message.path("content").forEach(all::add);
            }
        }
        return all;
    }

    private static Optional<Reply> openAi(JsonNode request) {
        String model = request.path("model").asText();
        if ((model.startsWith("gpt-5") || model.matches("o[134]($|-.*)")) && request.has("max_tokens")) {
            return Optional.of(FakeModelReplies.openAiError(400, "invalid_request_error", "unsupported_parameter",
                    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'"
                            + " instead."));
        }
        return Optional.empty();
    }
}
