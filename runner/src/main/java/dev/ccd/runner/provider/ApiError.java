package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads an API's error body as {@code "type (code): message"}. The shapes met in practice:
 * <ul>
 *   <li>Anthropic: {@code {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}
 *   <li>OpenAI, Ollama, llama.cpp: {@code {"error":{"message":"...","type":"...","code":"invalid_api_key"}}}
 *   <li>vLLM: {@code {"object":"error","message":"...","type":"BadRequestError","code":400}}
 *   <li>Ollama's native routes: {@code {"error":"model 'x' not found"}}
 * </ul>
 * Anything else is shown as an excerpt of the body, so the user still sees what the server said.
 */
final class ApiError {
    private ApiError() {
    }

    static String describe(JsonNode body, String bodyExcerpt) {
        if (body == null || !body.isObject()) {
            return bodyExcerpt;
        }
        JsonNode error = body.get("error");
        if (error != null && error.isTextual()) {
            return error.textValue();
        }
        JsonNode details = error != null && error.isObject() ? error : body;
        String message = text(details.get("message"));
        if (message == null) {
            return bodyExcerpt;
        }
        String type = text(details.get("type"));
        if ("error".equals(type)) {
            type = null;
        }
        String code = text(details.get("code"));
        StringBuilder out = new StringBuilder();
        if (type != null) {
            out.append(type);
        }
        if (code != null && !code.equals(type) && details.get("code").isTextual()) {
            out.append(out.length() == 0 ? "" : " ").append('(').append(code).append(')');
        }
        return out.length() == 0 ? message : out.append(": ").append(message).toString();
    }

    private static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isContainerNode()) {
            return null;
        }
        String value = node.asText().strip();
        return value.isEmpty() ? null : value;
    }
}
