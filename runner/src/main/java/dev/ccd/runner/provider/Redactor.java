package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Masks the API key in what is written down (logs, transcripts, error messages), never in what
 * the model said: a reply is parsed, shown to the model and passed to tools exactly as it came.
 *
 * <p>JSON is masked inside its string values, so a record stays valid JSON. A key shorter than
 * {@link #MIN_SECRET} characters is not masked at all: local servers take placeholders such as
 * {@code ollama}, {@code EMPTY} or {@code test}, which are no secret, and masking them would
 * garble every record that has the word (with key {@code a}, every {@code a}). Vendor keys are
 * tens of characters long.
 */
final class Redactor {
    static final int MIN_SECRET = 8;
    static final String MASK = "[redacted]";

    private final String key;

    Redactor(String apiKey) {
        this.key = apiKey != null && apiKey.length() >= MIN_SECRET ? apiKey : null;
    }

    String text(String text) {
        return key == null || text == null ? text : text.replace(key, MASK);
    }

    /** The tree itself when it holds no key; else a masked copy. */
    JsonNode json(JsonNode node) {
        if (key == null || node == null || !node.toString().contains(key)) {
            return node;
        }
        return mask(node);
    }

    private JsonNode mask(JsonNode node) {
        if (node.isTextual()) {
            return TextNode.valueOf(text(node.textValue()));
        }
        if (node.isArray()) {
            ArrayNode out = HttpCaller.JSON.createArrayNode();
            node.forEach(item -> out.add(mask(item)));
            return out;
        }
        if (node.isObject()) {
            ObjectNode out = HttpCaller.JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(text(e.getKey()), mask(e.getValue()));
            }
            return out;
        }
        return node;
    }

    ModelTurn turn(ModelTurn turn) {
        if (key == null || turn == null) {
            return turn;
        }
        List<ModelTurn.ToolCall> calls = new ArrayList<>();
        for (ModelTurn.ToolCall call : turn.toolCalls()) {
            calls.add(new ModelTurn.ToolCall(text(call.id()), text(call.name()), json(call.input())));
        }
        return new ModelTurn(text(turn.text()), calls, turn.usage(), turn.stopReason(), turn.abandoned(), turn.retries());
    }

    /** A transcript that records everything masked. */
    Transcript wrap(Transcript transcript) {
        if (key == null) {
            return transcript;
        }
        return new Transcript() {
            @Override
            public void request(String provider, JsonNode body) {
                transcript.request(provider, json(body));
            }

            @Override
            public void response(String provider, int status, JsonNode body, ModelTurn turn) {
                transcript.response(provider, status, json(body), turn(turn));
            }

            @Override
            public void failure(String provider, String error) {
                transcript.failure(provider, text(error));
            }
        };
    }
}
