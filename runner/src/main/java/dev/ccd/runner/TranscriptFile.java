package dev.ccd.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.runner.provider.ModelTurn;
import dev.ccd.runner.provider.Transcript;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code runs/<run_id>/transcript.jsonl}: one JSON line per request, response and failed attempt,
 * flushed as written, so a crash loses nothing already said. A response line carries the turn it
 * was read as, in the scripted provider's format ({@code {"text", "tool_calls": [{"name",
 * "input"}]}}), so the transcript replays with {@code --provider scripted --script transcript.jsonl}.
 * Bodies only: headers, and with them API keys, are never written.
 *
 * <p>Thread-safe (providers may write from a summary call and the loop alike).
 */
public final class TranscriptFile implements Transcript {
    private static final Logger log = LoggerFactory.getLogger(TranscriptFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;
    /** Set after the first write error: one warning, then nothing more is attempted. */
    private boolean broken;

    public TranscriptFile(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void request(String provider, JsonNode body) {
        ObjectNode line = line("request", provider);
        line.set("body", body);
        write(line);
    }

    @Override
    public void response(String provider, int status, JsonNode body, ModelTurn turn) {
        ObjectNode line = line("response", provider).put("status", status);
        line.set("body", body);
        if (turn != null) {
            line.set("turn", turnJson(turn));
        }
        write(line);
    }

    @Override
    public void failure(String provider, String error) {
        write(line("failure", provider).put("error", error));
    }

    /** The run goes on from a checkpoint: how the earlier runner ended, and what the model is told of it. */
    public void resumed(String how, int nextIteration, String note) {
        write(JSON.createObjectNode().put("ts", Instant.now().toString()).put("kind", "resumed").put("how", how)
                .put("next_iteration", nextIteration).put("note", note));
    }

    /** A turn in the scripted provider's line format. */
    public static ObjectNode turnJson(ModelTurn turn) {
        ObjectNode node = JSON.createObjectNode().put("text", turn.text());
        if (!turn.toolCalls().isEmpty()) {
            ArrayNode calls = node.putArray("tool_calls");
            for (ModelTurn.ToolCall call : turn.toolCalls()) {
                calls.addObject().put("name", call.name()).set("input", call.input());
            }
        }
        return node;
    }

    private static ObjectNode line(String kind, String provider) {
        return JSON.createObjectNode().put("ts", Instant.now().toString()).put("kind", kind).put("provider", provider);
    }

    private synchronized void write(ObjectNode line) {
        if (broken) {
            return;
        }
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            broken = true;
            log.warn("transcript {} cannot be written, no more will be: {}", file, e.getMessage());
        }
    }
}
