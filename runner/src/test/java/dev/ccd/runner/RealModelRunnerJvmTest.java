package dev.ccd.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer;
import dev.ccd.runner.provider.PromptCacheSimulator;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real runner JVM against fake servers that stream, enforce the vendors' request rules and
 * bill prompt caching: what a real model does to a run, end to end.
 */
class RealModelRunnerJvmTest extends FakeModelRunnerFixture {
    private static final String KEY = "sk-ant-real-model-test-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Message.Init init(String provider, String baseUrl, String model, int iterations, String template,
            ProviderOptions options) throws Exception {
        return runInit("real", template, provider, baseUrl, model, new Budget(null, null, iterations), null, null, options);
    }

    private static ProviderOptions options(String cacheTtl) {
        return new ProviderOptions(null, 1.0, 10.0, 2, 0.01, 1.0, 0.1, null, null, cacheTtl, null);
    }

    private static List<Message.IterationDone> iterations(List<Message> messages) {
        return messages.stream().filter(Message.IterationDone.class::isInstance).map(Message.IterationDone.class::cast)
                .toList();
    }

    @Test
    void withTheKeyOllamaTheModelsWordsReachTheRecordAndTheToolsUnchanged() throws Exception {
        server.enqueue(
                FakeModelReplies.openAiToolCalls("the ollama model calls bash",
                        new Call("call_1", "bash", "{\"command\":\"echo ollama-was-here > o.txt\"}")),
                FakeModelReplies.openAiText("the ollama model answered"));
        runner = RunnerHarness.launch(tmp, Map.of("OPENAI_API_KEY", "ollama"));

        runner.send(init("openai", server.baseUrl() + "/v1", "llama3.1:8b", 1, "# t\nWork.", options(null)));
        List<Message> messages = runner.untilExit();

        assertThat(iterations(messages)).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(IterationStatus.OK);
            assertThat(d.summary()).isEqualTo("the ollama model answered");
        });
        assertThat(tmp.resolve("work/o.txt")).hasContent("ollama-was-here");
        assertThat(server.request(0).header("authorization")).isEqualTo("Bearer ollama");
        assertThat(Files.readString(tmp.resolve("run/transcript.jsonl"))).doesNotContain("[redacted]");
    }

    @Test
    void whitespaceBeforeAToolCallAndTurnsWithoutTextNeitherFailNorStagnateTheRun() throws Exception {
        // Every turn: "\n\n" then a tool call; then an end of turn with no text at all.
        server.respondWith(request -> {
            boolean afterTool = request.body().contains("\"tool_result\"")
                    && request.json().path("messages").get(request.json().path("messages").size() - 1)
                            .path("content").get(0).path("type").asText().equals("tool_result");
            return afterTool ? FakeModelReplies.anthropicToolUse(null)
                    : FakeModelReplies.anthropicToolUse("\n\n", new Call("toolu_" + request.body().length(), "bash",
                            "{\"command\":\"echo step >> steps.txt\"}"));
        });
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), "claude-sonnet-4-5", 5, "# t\nWork.", options(null)));
        List<Message> messages = runner.untilExit();

        assertThat(iterations(messages)).hasSize(5).allSatisfy(d -> assertThat(d.status()).isEqualTo(IterationStatus.OK));
        assertThat(messages.get(messages.size() - 1)).isEqualTo(new Message.Exit(EndReason.MAX_ITERATIONS, 5, null));
        assertThat(Files.readAllLines(tmp.resolve("work/steps.txt"))).hasSize(5);
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.body()).doesNotContain("\"text\":\"\\n\\n\""));
    }

    @Test
    void aContextWindowExceededStopCompactsAndRetriesInsteadOfEndingTheTurn() throws Exception {
        ObjectNode cut = (ObjectNode) JSON.readTree(FakeModelReplies.anthropicText("half a sent").body());
        cut.put("stop_reason", "model_context_window_exceeded");
        server.enqueue(FakeModelServer.Reply.json(200, cut.toString()), FakeModelReplies.anthropicText("done after compaction"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), "claude-sonnet-4-5", 1, "# t\nWork.", options(null)));
        List<Message> messages = runner.untilExit();

        assertThat(iterations(messages)).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(IterationStatus.OK);
            assertThat(d.summary()).isEqualTo("done after compaction");
        });
        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.Notify.class,
                n -> assertThat(n.text()).contains("context window exceeded")));
        assertThat(server.request(1).body()).doesNotContain("half a sent");
    }

    @Test
    void anHourLongCacheIsBilledAtItsRatesInIterationDone() throws Exception {
        server.simulateCaching(new PromptCacheSimulator(Instant::now));
        server.enqueue(
                FakeModelReplies.anthropicToolUse("Looking.", new Call("toolu_1", "bash", "{\"command\":\"echo a\"}")),
                FakeModelReplies.anthropicToolUse("Again.", new Call("toolu_2", "bash", "{\"command\":\"echo b\"}")),
                FakeModelReplies.anthropicText("Done."));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), "claude-sonnet-4-5", 1, "# t\n" + "Work carefully. ".repeat(400),
                options("1h")));
        Message.IterationDone done = iterations(runner.untilExit()).get(0);

        assertThat(done.cacheWriteTokens()).isGreaterThan(1024);
        assertThat(done.cacheReadTokens()).isGreaterThan(2 * 1024);
        long plain = done.tokensIn() - done.cacheWriteTokens() - done.cacheReadTokens();
        double expected = (plain * 3 + done.cacheWriteTokens() * 3 * 2.0 + done.cacheReadTokens() * 0.3
                + done.tokensOut() * 15) / 1e6;
        assertThat(done.costUsd()).isCloseTo(expected, within(1e-12));
        assertThat(done.costUsd()).isLessThan((done.tokensIn() * 3 + done.tokensOut() * 15) / 1e6);
        assertThat(server.request(0).json().path("system").get(0).path("cache_control").path("ttl").asText())
                .isEqualTo("1h");
    }
}
