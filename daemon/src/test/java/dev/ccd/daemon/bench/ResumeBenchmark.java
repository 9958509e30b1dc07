package dev.ccd.daemon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What resume costs, with a real daemon process, a real runner JVM and a fake OpenAI-compatible
 * model on 127.0.0.1: the checkpoint written after each of 1,000 iterations (2,000-character
 * replies, a 200,000-token window, so the conversation grows to its compaction threshold), then
 * the time from the {@code agent.resume} request ({@code ccd agent resume}, without the CLI's own
 * JVM start) to the model's first request of the resumed run, over several stop/resume rounds.
 */
public final class ResumeBenchmark {
    static final int ITERATIONS = 1000;
    static final int ROUNDS = 7;

    private ResumeBenchmark() {
    }

    private interface Call {
        void run() throws Exception;
    }

    /** Milliseconds from the request to the model's next request. */
    private static double untilFirstRequest(FakeModelServer model, Call call) throws Exception {
        int seen = model.requestCount();
        long t0 = System.nanoTime();
        call.run();
        Measure.until(t0, () -> model.requestCount() > seen, 30_000);
        return (model.request(seen).receivedNanos() - t0) / 1e6;
    }

    private static double lastReadyMs(BenchDaemon daemon, String runId) {
        String json = (String) dev.ccd.daemon.testing.Db.scalar(daemon.db(), "SELECT payload_json FROM daemon_events"
                + " WHERE kind = 'run_started' AND run_id = '" + runId + "' ORDER BY id DESC LIMIT 1");
        try {
            return MessageCodec.mapper().readTree(json).path("ready_ms").asDouble();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path home = Files.createTempDirectory("ccd-bench-resume-");
        AtomicBoolean hang = new AtomicBoolean();
        AtomicInteger served = new AtomicInteger();
        String filler = "x".repeat(1_900);
        try (FakeModelServer model = FakeModelServer.start(); BenchDaemon daemon = BenchDaemon.start(root, home)) {
            model.respondWith(request -> hang.get()
                    ? FakeModelReplies.openAiText("held").delayed(Duration.ofMinutes(10))
                    : FakeModelReplies.openAiText("reply " + served.incrementAndGet() + " " + filler));
            Path work = Files.createDirectories(home.resolve("workspaces/work"));
            ObjectNode start = MessageCodec.mapper().createObjectNode().put("name", "long").put("template", "hello")
                    .put("provider", "openai").put("model", "fake-model").put("base_url", model.baseUrl() + "/v1")
                    .put("workdir", work.toString()).put("max_iterations", 100_000).put("max_tokens", "unlimited")
                    .put("max_cost_usd", "unlimited").put("stagnation_limit", 0).put("context_window", 200_000);
            String runId = daemon.call("agent.start", start).path("id").asText();
            long began = System.nanoTime();
            Measure.until(began, () -> daemon.count("SELECT coalesce(max(iteration), 0) FROM agent_iterations"
                    + " WHERE status = 'ok'") >= ITERATIONS, 600_000, 50);
            double perIteration = (System.nanoTime() - began) / 1e6 / ITERATIONS;
            int before = model.requestCount();
            hang.set(true);
            Measure.until(System.nanoTime(), () -> model.requestCount() > before, 60_000);
            daemon.call("agent.stop", MessageCodec.mapper().createObjectNode().put("name", "long"));
            long iterations = daemon.count("SELECT max(iteration) FROM agent_iterations");
            Path runDir = home.resolve("runs").resolve(runId);
            String stats = Files.readAllLines(runDir.resolve("stderr.log")).stream()
                    .filter(line -> line.contains(" checkpoints, median ")).reduce((a, b) -> b).orElse("(no line)");
            System.out.printf("run: %d iterations, %.1f ms per iteration (model call, record, checkpoint)%n",
                    iterations, perIteration);
            System.out.println("checkpoints, from the runner's log: " + stats.substring(stats.indexOf(" - ") + 3));
            System.out.printf("checkpoint.json at the stop: %d bytes%n", Files.size(runDir.resolve("checkpoint.json")));

            List<Double> resumeMs = new ArrayList<>();
            List<Double> readyMs = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                resumeMs.add(untilFirstRequest(model, () -> daemon.call("agent.resume",
                        MessageCodec.mapper().createObjectNode().put("name", "long"))));
                readyMs.add(lastReadyMs(daemon, runId));
                daemon.call("agent.stop", MessageCodec.mapper().createObjectNode().put("name", "long"));
            }
            System.out.println("agent.resume to the first model request: " + Measure.summary(resumeMs));
            System.out.println("  of which runner spawn to ready (ready_ms): " + Measure.summary(readyMs));
            // the same machine, the same moment: what a new run takes to its first model request
            List<Double> freshMs = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                ObjectNode fresh = start.deepCopy().put("name", "fresh");
                freshMs.add(untilFirstRequest(model, () -> daemon.call("agent.start", fresh)));
                daemon.call("agent.stop", MessageCodec.mapper().createObjectNode().put("name", "fresh"));
            }
            System.out.println("for comparison, agent.start of a new run to its first model request: "
                    + Measure.summary(freshMs));
        }
    }
}
