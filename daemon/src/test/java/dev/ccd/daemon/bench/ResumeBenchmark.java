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
            Path work = Files.createDirectories(home.resolve("work"));
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
            for (int round = 0; round < ROUNDS; round++) {
                int seen = model.requestCount();
                long t0 = System.nanoTime();
                daemon.call("agent.resume", MessageCodec.mapper().createObjectNode().put("name", "long"));
                Measure.until(t0, () -> model.requestCount() > seen, 30_000);
                resumeMs.add((model.request(seen).receivedNanos() - t0) / 1e6);
                daemon.call("agent.stop", MessageCodec.mapper().createObjectNode().put("name", "long"));
            }
            System.out.println("agent.resume to the first model request: " + Measure.summary(resumeMs));
        }
    }
}
