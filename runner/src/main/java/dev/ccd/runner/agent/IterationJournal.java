package dev.ccd.runner.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.Excerpt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code runs/RUN/iteration.jsonl}: what the iteration in progress has done since the last
 * checkpoint, one line per step (its start, each tool call and its result, each background task
 * started), so that a runner that goes on after a crash can tell the model which calls of the
 * unfinished iteration may have run. Emptied when an iteration starts; a line is a few hundred
 * bytes at most, so the file stays small. Not forced to disk: a killed process loses nothing the
 * kernel has, and a lost line only shortens what the model is told.
 *
 * <p>Used by the agent loop thread, and by task watchers for task starts: writes are synchronized.
 */
final class IterationJournal {
    static final String FILE = "iteration.jsonl";
    private static final Logger log = LoggerFactory.getLogger(IterationJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SHOWN_CHARS = 300;

    /**
     * What a journal says of the iteration it covers.
     *
     * @param spent the run's usage after the iteration's last model call; null before its first
     */
    record Contents(int iteration, List<String> steps, List<Checkpoint.RunningTask> tasksStarted, Spent spent) {
    }

    /** Tokens and cost of the whole run so far. */
    record Spent(long tokensIn, long tokensOut, double costUsd, long modelCalls) {
    }

    private final Path file;
    private FileChannel channel;
    private boolean broken;

    IterationJournal(Path dir) {
        this.file = dir.resolve(FILE);
    }

    synchronized void begin(int iteration) {
        try {
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            }
            channel.truncate(0);
            channel.position(0);
        } catch (IOException e) {
            fail(e);
        }
        append(JSON.createObjectNode().put("iteration", iteration));
    }

    /** After a model call: what the run has spent, which the record may never hear of if it dies now. */
    void spent(long tokensIn, long tokensOut, double costUsd, long modelCalls) {
        append(JSON.createObjectNode().put("tokens_in", tokensIn).put("tokens_out", tokensOut).put("cost_usd", costUsd)
                .put("model_calls", modelCalls));
    }

    void call(String tool, JsonNode input) {
        append(JSON.createObjectNode().put("call", tool).put("input", Excerpt.abbreviate(input.toString(), SHOWN_CHARS)));
    }

    void result(String content, boolean error) {
        append(JSON.createObjectNode().put("result", Excerpt.abbreviate(content.strip(), SHOWN_CHARS)).put("error", error));
    }

    void taskStarted(String id, String command, Path log) {
        append(JSON.createObjectNode().put("task", id).put("command", command).put("log", log.toString()));
    }

    private synchronized void append(ObjectNode line) {
        if (broken || channel == null) {
            return;
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap((line.toString() + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private void fail(IOException e) {
        if (!broken) {
            broken = true;
            log.warn("{} cannot be written; a resume will not know this iteration's tool calls: {}", file,
                    e.getMessage());
        }
    }

    synchronized void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing is lost: every line was written as it came
        }
    }

    /** What the journal in {@code dir} says; iteration 0 when there is none. A torn last line is ignored. */
    static Contents read(Path dir) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Contents(0, List.of(), List.of(), null);
        }
        int iteration = 0;
        List<String> steps = new ArrayList<>();
        List<Checkpoint.RunningTask> tasks = new ArrayList<>();
        Spent spent = null;
        for (String line : lines) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                continue;
            }
            if (node == null) {
                continue;
            }
            if (node.has("iteration")) {
                iteration = node.path("iteration").asInt();
            } else if (node.has("call")) {
                steps.add(node.path("call").asText() + " " + node.path("input").asText());
            } else if (node.has("result") && !steps.isEmpty()) {
                int last = steps.size() - 1;
                steps.set(last, steps.get(last) + " -> " + (node.path("error").asBoolean() ? "error: " : "")
                        + node.path("result").asText().replace('\n', ' '));
            } else if (node.has("tokens_in")) {
                spent = new Spent(node.path("tokens_in").asLong(), node.path("tokens_out").asLong(),
                        node.path("cost_usd").asDouble(), node.path("model_calls").asLong());
            } else if (node.has("task")) {
                tasks.add(new Checkpoint.RunningTask(node.path("task").asText(), node.path("command").asText(),
                        node.path("log").asText()));
            }
        }
        return new Contents(iteration, steps, tasks, spent);
    }
}
