package dev.ccd.runner.agent;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.runner.provider.ChatMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a runner needs to go on after the last completed iteration, kept in {@code
 * runs/RUN/checkpoint.json}: the conversation as the next model call will start from it (already
 * compacted, so its size is bounded by the context window plus one turn), the iteration's number,
 * the usage so far, the stop rules' state, and the background tasks that were running.
 *
 * <p>Written whole after every iteration to a temporary file, forced to disk, then renamed over
 * the old one: a reader (the next runner) sees the previous checkpoint or the new one, never a
 * part. Read leniently: fields it does not know are ignored, so a newer runner's file still
 * restores what this one knows.
 *
 * @param iteration  the number of the last iteration completed
 * @param completed  iterations completed in the whole run (what {@code max_iterations} counts)
 * @param modelCalls model calls answered in the run (where a scripted model's script goes on)
 * @param lastTaskId the highest task number used, so a new task never takes an old one's log
 */
record Checkpoint(int iteration, int completed, long tokensIn, long tokensOut, double costUsd, long modelCalls,
        StopRules.State rules, int lastTaskId, List<RunningTask> tasks, List<ChatMessage> conversation) {

    static final String FILE = "checkpoint.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A background task running when the checkpoint was taken. */
    record RunningTask(String id, String command, String log) {
    }

    Checkpoint {
        tasks = List.copyOf(tasks);
        conversation = List.copyOf(conversation);
    }

    /** Replaces {@code dir/checkpoint.json} atomically; returns the bytes written. */
    long write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = Channels.newOutputStream(channel);
            try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
                writeJson(g);
            }
            channel.force(true);
            long size = channel.size();
            try {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
            return size;
        }
    }

    private void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("version", 1);
        g.writeNumberField("iteration", iteration);
        g.writeNumberField("completed", completed);
        g.writeNumberField("tokens_in", tokensIn);
        g.writeNumberField("tokens_out", tokensOut);
        g.writeNumberField("cost_usd", costUsd);
        g.writeNumberField("model_calls", modelCalls);
        g.writeObjectFieldStart("rules");
        g.writeStringField("last_summary", rules.lastSummary());
        g.writeNumberField("same_summaries", rules.sameSummaries());
        g.writeStringField("last_error", rules.lastError());
        g.writeNumberField("same_errors", rules.sameErrors());
        g.writeNumberField("failures", rules.failures());
        g.writeEndObject();
        g.writeNumberField("last_task_id", lastTaskId);
        g.writeArrayFieldStart("tasks");
        for (RunningTask task : tasks) {
            g.writeStartObject();
            g.writeStringField("id", task.id());
            g.writeStringField("command", task.command());
            g.writeStringField("log", task.log());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("conversation");
        for (ChatMessage message : conversation) {
            g.writeStartObject();
            g.writeStringField("role", message.role().name().toLowerCase(Locale.ROOT));
            g.writeArrayFieldStart("content");
            for (ChatMessage.Block block : message.content()) {
                g.writeStartObject();
                if (block instanceof ChatMessage.Text text) {
                    g.writeStringField("type", "text");
                    g.writeStringField("text", text.text());
                } else if (block instanceof ChatMessage.ToolUse use) {
                    g.writeStringField("type", "tool_use");
                    g.writeStringField("id", use.id());
                    g.writeStringField("name", use.name());
                    g.writeFieldName("input");
                    g.writeTree(use.input());
                } else if (block instanceof ChatMessage.ToolResultBlock result) {
                    g.writeStringField("type", "tool_result");
                    g.writeStringField("tool_use_id", result.toolUseId());
                    g.writeStringField("content", result.content());
                    g.writeBooleanField("is_error", result.isError());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** The checkpoint in {@code dir}, if there is one. */
    static Optional<Checkpoint> read(Path dir) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(dir.resolve(FILE).toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            throw new IOException(dir.resolve(FILE) + " is not a checkpoint");
        }
        JsonNode r = root.path("rules");
        StopRules.State rules = new StopRules.State(text(r, "last_summary"), r.path("same_summaries").asInt(),
                text(r, "last_error"), r.path("same_errors").asInt(), r.path("failures").asInt());
        List<RunningTask> tasks = new ArrayList<>();
        for (JsonNode t : root.path("tasks")) {
            tasks.add(new RunningTask(t.path("id").asText(), t.path("command").asText(), t.path("log").asText()));
        }
        List<ChatMessage> conversation = new ArrayList<>();
        for (JsonNode m : root.path("conversation")) {
            List<ChatMessage.Block> blocks = new ArrayList<>();
            for (JsonNode b : m.path("content")) {
                switch (b.path("type").asText()) {
                    case "text" -> blocks.add(new ChatMessage.Text(b.path("text").asText()));
                    case "tool_use" -> blocks.add(new ChatMessage.ToolUse(b.path("id").asText(),
                            b.path("name").asText(), b.has("input") ? b.get("input") : JSON.createObjectNode()));
                    case "tool_result" -> blocks.add(new ChatMessage.ToolResultBlock(b.path("tool_use_id").asText(),
                            b.path("content").asText(), b.path("is_error").asBoolean()));
                    default -> {
                        // a block kind of a newer runner: left out
                    }
                }
            }
            if (!blocks.isEmpty()) {
                ChatMessage.Role role = "assistant".equals(m.path("role").asText()) ? ChatMessage.Role.ASSISTANT
                        : ChatMessage.Role.USER;
                conversation.add(new ChatMessage(role, blocks));
            }
        }
        return Optional.of(new Checkpoint(root.path("iteration").asInt(), root.path("completed").asInt(),
                root.path("tokens_in").asLong(), root.path("tokens_out").asLong(), root.path("cost_usd").asDouble(),
                root.path("model_calls").asLong(), rules, root.path("last_task_id").asInt(), tasks, conversation));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
