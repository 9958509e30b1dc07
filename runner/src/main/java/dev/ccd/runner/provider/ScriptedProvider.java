package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays model turns from a JSONL file, one turn per line:
 * {@code {"text": "...", "tool_calls": [{"name": "bash", "input": {"command": "echo hi"}}]}}.
 * A turn without tool calls ends the iteration. Blank lines and lines starting with {@code //}
 * are skipped. A run's {@code transcript.jsonl} is a script too: its response lines carry their
 * turn in this format, and its other lines are skipped. Deterministic, network-free: for demos,
 * tests and replays.
 *
 * <p>Usage is reported as ceil(characters / 4) of what it received (the whole request) and of
 * what it returned, so that token budgets can be exercised without a model.
 */
public final class ScriptedProvider implements LlmProvider {

    private static final ObjectMapper JSON = MessageCodec.mapper();

    private final List<ModelTurn> turns;
    private final Transcript transcript;
    private int next;

    private ScriptedProvider(List<ModelTurn> turns, Transcript transcript) {
        this.turns = turns;
        this.transcript = transcript;
    }

    /** Goes on after the first {@code turns} turns: a resumed run does not replay what it was given. */
    public void skip(long turns) {
        next = (int) Math.min(this.turns.size(), Math.max(next, turns));
    }

    public static ScriptedProvider load(Path script) throws IOException {
        return load(script, Transcript.NONE);
    }

    /** Loads and checks the whole script; an error names the file, the line and the problem. */
    public static ScriptedProvider load(Path script, Transcript transcript) throws IOException {
        if (!Files.isRegularFile(script)) {
            throw new IOException("script file " + script + " does not exist or is not a file");
        }
        List<String> lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        List<ModelTurn> turns = new ArrayList<>();
        int callId = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("//")) {
                continue;
            }
            String where = script + " line " + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new IOException(where + ": not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (!node.isObject()) {
                throw new IOException(where + ": expected an object with \"text\" and/or \"tool_calls\"");
            }
            boolean written = !node.has("kind");
            if (!written) {
                // a transcript line: only responses that were read as a turn are turns
                if (!"response".equals(node.path("kind").asText()) || !node.path("turn").isObject()) {
                    continue;
                }
                node = node.get("turn");
            }
            for (var names = node.fieldNames(); written && names.hasNext(); ) {
                String field = names.next();
                if (!field.equals("text") && !field.equals("tool_calls")) {
                    // a typo ("txt") would otherwise be a turn that says nothing
                    throw new IOException(where + ": unknown field \"" + field + "\"; a turn has \"text\" and/or"
                            + " \"tool_calls\"");
                }
            }
            if (written && !node.has("text") && !node.has("tool_calls")) {
                throw new IOException(where + ": expected an object with \"text\" and/or \"tool_calls\"");
            }
            JsonNode text = node.path("text");
            if (!text.isMissingNode() && !text.isTextual()) {
                throw new IOException(where + ": \"text\" must be a string");
            }
            List<ModelTurn.ToolCall> calls = new ArrayList<>();
            JsonNode callNodes = node.path("tool_calls");
            if (!callNodes.isMissingNode() && !callNodes.isArray()) {
                throw new IOException(where + ": \"tool_calls\" must be an array");
            }
            for (JsonNode call : callNodes) {
                if (!call.path("name").isTextual()) {
                    throw new IOException(where + ": each tool call needs a \"name\" string");
                }
                JsonNode input = call.path("input");
                if (!input.isMissingNode() && !input.isObject()) {
                    throw new IOException(where + ": \"input\" of tool call " + call.path("name").asText()
                            + " must be an object");
                }
                calls.add(new ModelTurn.ToolCall("call_" + (++callId), call.get("name").textValue(),
                        input.isMissingNode() ? JsonNodeFactory.instance.objectNode() : input));
            }
            turns.add(new ModelTurn(text.asText(""), calls, 0, 0, calls.isEmpty() ? "end_turn" : "tool_use"));
        }
        if (turns.isEmpty()) {
            throw new IOException("script file " + script + " has no model turns (one JSON object a line:"
                    + " {\"text\": ..., \"tool_calls\": [...]})");
        }
        return new ScriptedProvider(turns, transcript);
    }

    @Override
    public ModelTurn complete(ModelRequest request) throws ProviderException {
        if (next >= turns.size()) {
            throw new ProviderException("script exhausted after " + turns.size() + " turns", true);
        }
        ModelTurn turn = turns.get(next++);
        long out = turn.text().length();
        for (ModelTurn.ToolCall call : turn.toolCalls()) {
            out += call.name().length() + call.input().toString().length();
        }
        ModelTurn reply = new ModelTurn(turn.text(), turn.toolCalls(), quarter(request.chars()), quarter(out),
                turn.stopReason());
        transcript.request("scripted", JSON.createObjectNode()
                .put("messages", request.messages().size()).put("chars", request.chars()));
        transcript.response("scripted", 200, JSON.createObjectNode().put("turn", next), reply);
        return reply;
    }

    @Override
    public String model() {
        return "scripted";
    }

    @Override
    public boolean exhausted() {
        return next >= turns.size();
    }

    private static long quarter(long chars) {
        return (chars + 3) / 4;
    }
}
