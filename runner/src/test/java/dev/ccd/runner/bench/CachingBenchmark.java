package dev.ccd.runner.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import dev.ccd.runner.RunnerHarness;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer;
import dev.ccd.runner.provider.PromptCacheSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What prompt caching saves on an autoresearch-shaped run: a real runner JVM with the shipped
 * autoresearch template (its system prompt and tools) runs N iterations against the caching fake
 * Anthropic server (streaming, {@link PromptCacheSimulator}), once per {@code cache_ttl}: off,
 * 5m, 1h. Each iteration is three calls: read the experiment's log (2 KB), append to the results
 * file, write the summary; the fake clock moves 5 minutes per iteration (the experiment) and
 * 5 seconds per call. Prints the input billed at claude-sonnet-4's $3 per million (writes 1.25x
 * for 5m, 2x for 1h, reads 0.1x), from the runner's own iteration_done totals.
 * Run by {@code scripts/bench caching}; not a test.
 */
public final class CachingBenchmark {
    private static final double INPUT_PER_MTOK = 3;
    private static final double OUTPUT_PER_MTOK = 15;

    private record Totals(long requests, long tokensIn, long cacheWrite, long cacheRead, double inputUsd, double seconds) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String template = Files.readString(root.resolve("templates/autoresearch.md"), StandardCharsets.UTF_8);
        String body = template.substring(template.indexOf("\n---", 3) + 4).strip();
        System.out.printf("%d iterations, 3 calls each, 5 simulated minutes per iteration%n", iterations);
        System.out.println("cache_ttl  requests  input_tokens  cache_write  cache_read  billed_input_usd  vs_off  wall_s");
        Totals off = null;
        for (String ttl : List.of("off", "5m", "1h")) {
            Totals t = run(body, ttl, iterations);
            off = off == null ? t : off;
            System.out.printf("%-9s  %8d  %12d  %11d  %10d  %16.4f  %5.1f%%  %6.1f%n", ttl, t.requests(), t.tokensIn(),
                    t.cacheWrite(), t.cacheRead(), t.inputUsd(), 100 * t.inputUsd() / off.inputUsd(), t.seconds());
        }
    }

    private static Totals run(String template, String ttl, int iterations) throws Exception {
        Path tmp = Files.createTempDirectory("ccd-caching");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("run.log"), "step 100 | loss 0.9132 | lr 3e-4 | tokens/s 51234\n".repeat(40));
        AtomicReference<Instant> clock = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
        try (FakeModelServer server = FakeModelServer.start();
                RunnerHarness runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", "sk-ant-benchmark-key-0000"))) {
            server.simulateCaching(new PromptCacheSimulator(clock::get));
            server.respondWith(request -> reply(request, clock));
            runner.send(new Message.Init(Message.PROTOCOL_VERSION, "r-cache", "cache",
                    new TemplateSpec("autoresearch", template),
                    "command=./run.sh metric=loss direction=lower budget=300 file=train.py",
                    new RunConfig("anthropic", "claude-sonnet-4-5", server.baseUrl(), null, work.toString(),
                            tmp.resolve("run").toString(), 0, false, null, new Budget(null, null, iterations),
                            new ProviderOptions(1024, 2.0, 30.0, 2, 0.01, 0.05, 0.1, true, 60.0, ttl, null),
                            null, null, 0, null, null, null)));
            long start = System.nanoTime();
            long in = 0;
            long out = 0;
            long write = 0;
            long read = 0;
            double cost = 0;
            Message m;
            do {
                m = runner.next();
                if (m instanceof Message.IterationDone d) {
                    in += d.tokensIn();
                    out += d.tokensOut();
                    write += d.cacheWriteTokens();
                    read += d.cacheReadTokens();
                    cost += d.costUsd();
                }
            } while (!(m instanceof Message.Exit));
            double inputUsd = cost - out * OUTPUT_PER_MTOK / 1e6;
            return new Totals(server.requestCount(), in, write, read, inputUsd, (System.nanoTime() - start) / 1e9);
        }
    }

    /** The model's side of an iteration; the clock moves as the experiment and the calls take time. */
    private static FakeModelServer.Reply reply(FakeModelServer.Recorded request, AtomicReference<Instant> clock) {
        JsonNode messages = request.json().path("messages");
        JsonNode last = messages.get(messages.size() - 1).path("content");
        String lastText = last.path(last.size() - 1).path("text").asText("");
        String firstType = last.path(0).path("type").asText();
        clock.updateAndGet(t -> t.plus(Duration.ofSeconds(5)));
        if (lastText.contains("Summarize the conversation above")) {
            return FakeModelReplies.anthropicText("Summary: experiments 1 to " + messages.size() / 6
                    + " tried learning rates and warm-up; the best loss so far is 0.9132.");
        }
        if (!firstType.equals("tool_result")) {
            // a new iteration: the previous one's experiment ran for 5 minutes
            clock.updateAndGet(t -> t.plus(Duration.ofMinutes(5)));
            return FakeModelReplies.anthropicToolUse("Reading the last experiment's log.",
                    new Call("toolu_r" + messages.size(), "read_file", "{\"path\":\"run.log\"}"));
        }
        if (request.body().split("toolu_w", -1).length - 1 < request.body().split("toolu_r", -1).length - 1) {
            return FakeModelReplies.anthropicToolUse("Recording the result.", new Call("toolu_w" + messages.size(), "bash",
                    "{\"command\":\"echo 'exp " + messages.size() + "\\t0.9132\\tkept' >> results.tsv\"}"));
        }
        return FakeModelReplies.anthropicText("Experiment after " + messages.size() + " messages: loss 0.9132,"
                + " kept; next: a lower learning rate.");
    }
}
