package dev.ccd.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.Price;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer;
import dev.ccd.runner.provider.FakeStreams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real runner JVM against fake model servers on 127.0.0.1 speaking each API's wire format. */
class ProviderRunnerJvmTest extends FakeModelRunnerFixture {
    private static final String KEY = "sk-test-secret-key-0123456789";

    private Message.Init init(String provider, String baseUrl, String model, Budget budget, Integer stagnation,
            Map<String, Price> prices, ProviderOptions options) throws Exception {
        return runInit("fake", "# t\nWork.", provider, baseUrl, model, budget, stagnation, prices, options);
    }

    private static ProviderOptions fast() {
        return new ProviderOptions(null, 1.0, 2.0, 4, 0.01, 2.0, 0.5);
    }

    @Test
    void anthropicMultiTurnToolUseIsRecordedWithUsageCostAndATranscriptWithoutTheKey() throws Exception {
        server.enqueue(
                FakeModelReplies.anthropicToolUse("Writing the file.", new Call("toolu_1", "write_file",
                        "{\"path\":\"notes.md\",\"content\":\"hello\"}")),
                FakeModelReplies.anthropicToolUse(null, new Call("toolu_2", "read_file", "{\"path\":\"notes.md\"}")),
                FakeModelReplies.anthropicText("Wrote and read notes.md."));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), "claude-sonnet-4-5", new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        Message.IterationDone done = messages.stream().filter(Message.IterationDone.class::isInstance)
                .map(Message.IterationDone.class::cast).findFirst().orElseThrow();
        assertThat(done.summary()).isEqualTo("Wrote and read notes.md.");
        assertThat(done.tokensIn()).isEqualTo(30);
        assertThat(done.tokensOut()).isEqualTo(15);
        assertThat(done.costUsd()).isCloseTo((30 * 3 + 15 * 15) / 1e6, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(messages.get(messages.size() - 1)).isEqualTo(new Message.Exit(EndReason.MAX_ITERATIONS, 1, null));
        assertThat(tmp.resolve("work/notes.md")).hasContent("hello");
        assertThat(server.requestCount()).isEqualTo(3);
        assertThat(server.request(0).path()).isEqualTo("/v1/messages");
        assertThat(server.request(0).header("x-api-key")).isEqualTo(KEY);
        assertThat(server.request(0).header("anthropic-version")).isEqualTo("2023-06-01");
        JsonNode third = server.request(2).json();
        assertThat(third.path("system").get(0).path("text").asText()).contains("# t\nWork.");
        assertThat(third.path("tools").findValuesAsText("name")).contains("bash", "write_file", "read_file");
        JsonNode lastResult = third.path("messages").get(third.path("messages").size() - 1).path("content").get(0);
        assertThat(lastResult.path("type").asText()).isEqualTo("tool_result");
        assertThat(lastResult.path("tool_use_id").asText()).isEqualTo("toolu_2");
        assertThat(lastResult.path("content").asText()).contains("hello");
        String transcript = Files.readString(tmp.resolve("run/transcript.jsonl"), StandardCharsets.UTF_8);
        assertThat(transcript.lines()).hasSize(6);
        assertThat(transcript).doesNotContain(KEY).contains("\"kind\":\"response\"").contains("Wrote and read notes.md.");
    }

    @Test
    void openAiCompatibleToolCallsWorkWithoutAKey() throws Exception {
        server.enqueue(
                FakeModelReplies.openAiToolCalls(null, new Call("call_1", "bash", "{\"command\":\"echo 42 > answer\"}")),
                FakeModelReplies.openAiText("The answer is in ./answer."));
        runner = RunnerHarness.launch(tmp, Map.of());

        runner.send(init("openai", server.baseUrl() + "/v1", "llama3.1:8b", new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.IterationDone.class,
                d -> assertThat(d.summary()).isEqualTo("The answer is in ./answer.")));
        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.Notify.class,
                n -> assertThat(n.text()).contains("no price known for model 'llama3.1:8b'")));
        assertThat(tmp.resolve("work/answer")).hasContent("42");
        assertThat(server.request(0).path()).isEqualTo("/v1/chat/completions");
        assertThat(server.request(0).header("authorization")).isNull();
        JsonNode second = server.request(1).json().path("messages");
        assertThat(second.get(0).path("role").asText()).isEqualTo("system");
        assertThat(second.get(second.size() - 1).path("role").asText()).isEqualTo("tool");
        assertThat(second.get(second.size() - 1).path("tool_call_id").asText()).isEqualTo("call_1");
    }

    @Test
    void aToolCallCutOffAtTheOutputLimitIsNotRunAndTheModelIsToldToMakeItAgain() throws Exception {
        server.enqueue(
                FakeModelReplies.anthropicCutOff("Writing it all at once.", new Call("toolu_1", "write_file",
                        "{\"path\":\"big.txt\",\"content\":\"the first half\"}")),
                FakeModelReplies.anthropicToolUse(null, new Call("toolu_2", "write_file",
                        "{\"path\":\"big.txt\",\"content\":\"smaller\"}")),
                FakeModelReplies.anthropicText("Wrote big.txt in a smaller call."));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), "claude-sonnet-4-5", new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.IterationDone.class, d -> {
            assertThat(d.status()).isEqualTo(IterationStatus.OK);
            assertThat(d.summary()).isEqualTo("Wrote big.txt in a smaller call.");
        }));
        assertThat(tmp.resolve("work/big.txt")).hasContent("smaller");
        JsonNode second = server.request(1).json().path("messages");
        JsonNode result = second.get(second.size() - 1).path("content").get(0);
        assertThat(result.path("type").asText()).isEqualTo("tool_result");
        assertThat(result.path("tool_use_id").asText()).isEqualTo("toolu_1");
        assertThat(result.path("is_error").asBoolean()).isTrue();
        assertThat(result.path("content").asText()).contains("Not run").contains("cut off at the output limit");
    }

    @Test
    void threeCutOffToolCallsInARowEndTheIterationAndTheNextRequestStillAnswersEveryCall() throws Exception {
        server.enqueue(
                FakeModelReplies.anthropicCutOff(null, new Call("toolu_1", "write_file", "{\"path\":\"a\"}")),
                FakeModelReplies.anthropicCutOff(null, new Call("toolu_2", "write_file", "{\"path\":\"a\"}")),
                FakeModelReplies.anthropicCutOff(null, new Call("toolu_3", "write_file", "{\"path\":\"a\"}")),
                FakeModelReplies.anthropicText("next iteration"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), "claude-sonnet-4-5", new Budget(null, null, 2), 0, null, fast()));
        List<Message> messages = runner.untilExit();

        List<Message.IterationDone> done = messages.stream().filter(Message.IterationDone.class::isInstance)
                .map(Message.IterationDone.class::cast).toList();
        assertThat(done).extracting(Message.IterationDone::status).containsExactly(IterationStatus.ERROR, IterationStatus.OK);
        assertThat(done.get(0).summary()).startsWith("the model's replies were cut off at the output limit 3 times");
        assertThat(tmp.resolve("work/a")).doesNotExist();
        // the fourth request (the next iteration) answers every tool_use it carries
        List<String> uses = new java.util.ArrayList<>();
        List<String> results = new java.util.ArrayList<>();
        for (JsonNode message : server.request(3).json().path("messages")) {
            for (JsonNode block : message.path("content")) {
                if (block.path("type").asText().equals("tool_use")) {
                    uses.add(block.path("id").asText());
                } else if (block.path("type").asText().equals("tool_result")) {
                    results.add(block.path("tool_use_id").asText());
                }
            }
        }
        assertThat(uses).containsExactly("toolu_1", "toolu_2", "toolu_3");
        assertThat(results).containsExactlyElementsOf(uses);
    }

    @Test
    void anOpenAiReplyCutOffAtItsLengthIsContinuedAndThreeInARowEndTheIterationAsAnError() throws Exception {
        server.enqueue(
                FakeModelReplies.openAiCutOff("The first part of a long answer"),
                FakeModelReplies.openAiText("and its end."),
                FakeModelReplies.openAiCutOff("again"),
                FakeModelReplies.openAiCutOff("and again"),
                FakeModelReplies.openAiCutOff("and once more"));
        runner = RunnerHarness.launch(tmp, Map.of());

        runner.send(init("openai", server.baseUrl() + "/v1", "gpt-4o-mini", new Budget(null, null, 2), 0, null, fast()));
        List<Message> messages = runner.untilExit();

        List<Message.IterationDone> done = messages.stream().filter(Message.IterationDone.class::isInstance)
                .map(Message.IterationDone.class::cast).toList();
        assertThat(done).hasSize(2);
        assertThat(done.get(0).status()).isEqualTo(IterationStatus.OK);
        assertThat(done.get(0).summary()).isEqualTo("and its end.");
        JsonNode second = server.request(1).json().path("messages");
        assertThat(second.get(second.size() - 1).path("role").asText()).isEqualTo("user");
        assertThat(second.get(second.size() - 1).path("content").asText()).contains("cut off at the output limit");
        assertThat(done.get(1).status()).isEqualTo(IterationStatus.ERROR);
        assertThat(done.get(1).summary()).startsWith("the model's replies were cut off at the output limit 3 times in a row")
                .endsWith("and once more");
        assertThat(server.requestCount()).isEqualTo(5);
    }

    @Test
    void a401EndsTheRunFailedAtOnceWithTheProvidersMessage() throws Exception {
        server.enqueue(FakeModelReplies.anthropicError(401, "authentication_error", "invalid x-api-key"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), null, null, null, null, fast()));
        List<Message> messages = runner.untilExit();

        assertThat(messages.get(messages.size() - 1)).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.FAILED);
            assertThat(e.error()).contains("HTTP 401").contains("invalid x-api-key").doesNotContain(KEY);
        });
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.process.exitValue()).isEqualTo(1);
    }

    @Test
    void rateLimitsAndOverloadAreRetriedHonouringRetryAfter() throws Exception {
        server.enqueue(
                FakeModelReplies.anthropicError(429, "rate_limit_error", "slow down").header("retry-after", "1"),
                FakeModelReplies.anthropicError(529, "overloaded_error", "Overloaded"),
                FakeModelReplies.anthropicText("made it"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), null, new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.IterationDone.class,
                d -> assertThat(d.summary()).isEqualTo("made it")));
        long gapMs = (server.request(1).receivedNanos() - server.request(0).receivedNanos()) / 1_000_000;
        assertThat(gapMs).isGreaterThanOrEqualTo(950);
    }

    @Test
    void anOverloadedFirstAttemptIsReportedAsOneCallWithOneRetryAndItsTime() throws Exception {
        server.enqueue(
                FakeModelReplies.anthropicError(529, "overloaded_error", "Overloaded"),
                FakeModelReplies.anthropicText("made it"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), null, new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        Message.IterationDone done = onlyIterationDone(messages);
        assertThat(done.summary()).isEqualTo("made it");
        assertThat(done.modelCalls()).isEqualTo(1);
        assertThat(done.modelRetries()).isEqualTo(1);
        assertThat(done.modelSeconds()).isPositive().isLessThanOrEqualTo(done.durationS());
        assertThat(done.estimatedTokens()).isZero();
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void aStreamCutMidwayIsRetriedAndTheTokensItIsCountedWithAreMarkedAsEstimated() throws Exception {
        FakeModelServer.Reply whole = FakeModelReplies.anthropicText("A long answer that is cut off in the middle of it.");
        server.enqueue(FakeStreams.anthropic(whole).cutAfterEvents(5), whole);
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), null, new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        Message.IterationDone done = onlyIterationDone(messages);
        assertThat(done.modelCalls()).isEqualTo(1);
        assertThat(done.modelRetries()).isEqualTo(1);
        assertThat(done.estimatedTokens()).isPositive();
        // what the answered attempt's vendor usage said (10 in, 5 out) is no estimate
        assertThat(done.tokensIn() + done.tokensOut() - done.estimatedTokens()).isEqualTo(15);
    }

    private static Message.IterationDone onlyIterationDone(List<Message> messages) {
        List<Message.IterationDone> done = messages.stream().filter(Message.IterationDone.class::isInstance)
                .map(Message.IterationDone.class::cast).toList();
        assertThat(done).hasSize(1);
        return done.get(0);
    }

    @Test
    void openAiA401EndsTheRunFailedAndRateLimitsAreRetriedLikeAnthropics() throws Exception {
        server.enqueue(FakeModelReplies.openAiError(401, "invalid_request_error", "invalid_api_key",
                "Incorrect API key provided"));
        runner = RunnerHarness.launch(tmp, Map.of("OPENAI_API_KEY", KEY));

        runner.send(init("openai", server.baseUrl() + "/v1", "gpt-4o-mini", null, null, null, fast()));
        List<Message> failed = runner.untilExit();

        assertThat(failed.get(failed.size() - 1)).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.FAILED);
            assertThat(e.error()).contains("HTTP 401").contains("Incorrect API key provided").doesNotContain(KEY);
        });
        assertThat(server.request(0).header("authorization")).isEqualTo("Bearer " + KEY);
        runner.close();

        server.enqueue(
                FakeModelReplies.openAiError(429, "requests", "rate_limit_exceeded", "Rate limit reached")
                        .header("retry-after", "1"),
                FakeModelReplies.openAiError(503, "server_error", null, "The server is overloaded"),
                FakeModelReplies.openAiText("made it"));
        runner = RunnerHarness.launch(tmp, Map.of("OPENAI_API_KEY", KEY));

        runner.send(init("openai", server.baseUrl() + "/v1", "gpt-4o-mini", new Budget(null, null, 1), null, null, fast()));
        List<Message> messages = runner.untilExit();

        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.IterationDone.class,
                d -> assertThat(d.summary()).isEqualTo("made it")));
        assertThat(server.requestCount()).isEqualTo(4);
        long gapMs = (server.request(2).receivedNanos() - server.request(1).receivedNanos()) / 1_000_000;
        assertThat(gapMs).isGreaterThanOrEqualTo(950);
    }

    @Test
    void repeatedServerErrorsCoolDownAndFailTheIterationsUntilTheRunFails() throws Exception {
        server.otherwise(FakeModelReplies.anthropicError(500, "api_error", "Internal server error"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), null, null, null, null,
                new ProviderOptions(null, 1.0, 2.0, 4, 0.01, 0.05, 0.3)));
        List<Message> messages = runner.untilExit();

        List<Message.IterationDone> failed = messages.stream().filter(Message.IterationDone.class::isInstance)
                .map(Message.IterationDone.class::cast).toList();
        assertThat(failed).hasSize(3).allSatisfy(d -> {
            assertThat(d.status()).isEqualTo(IterationStatus.ERROR);
            assertThat(d.summary()).contains("HTTP 500 api_error: Internal server error (after 5 attempts)");
        });
        assertThat(messages.get(messages.size() - 1)).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.FAILED);
            assertThat(e.error()).contains("3 identical failed iterations");
        });
        assertThat(server.requestCount()).isEqualTo(15);
        // the second failed call waited for the cooldown (0.3 s) before its first request
        long gapMs = (server.request(5).receivedNanos() - server.request(4).receivedNanos()) / 1_000_000;
        assertThat(gapMs).isGreaterThanOrEqualTo(280);
    }

    @Test
    void malformedAndCutResponsesAndASlowServerAreRetried() throws Exception {
        server.enqueue(
                FakeModelServer.Reply.json(200, "{\"id\": \"msg_1\", \"content\": [ {\"type\": \"te"),
                FakeModelReplies.anthropicText("cut off here, cut off here, cut off here").cutMidBody(),
                FakeModelReplies.anthropicText("too late").delayed(Duration.ofSeconds(3)),
                FakeModelReplies.anthropicText("finally"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));

        runner.send(init("anthropic", server.baseUrl(), null, new Budget(null, null, 1), null, null,
                new ProviderOptions(null, 1.0, 1.0, 4, 0.01, 0.05, 0.3)));
        List<Message> messages = runner.untilExit();

        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.IterationDone.class,
                d -> assertThat(d.summary()).isEqualTo("finally")));
        assertThat(server.requestCount()).isEqualTo(4);
        String transcript = Files.readString(tmp.resolve("run/transcript.jsonl"), StandardCharsets.UTF_8);
        assertThat(transcript).contains("\"kind\":\"failure\"").contains("timed out");
    }

    @Test
    void aTranscriptReplaysWithTheScriptedProvider() throws Exception {
        server.enqueue(
                FakeModelReplies.anthropicToolUse("step", new Call("toolu_1", "bash", "{\"command\":\"echo replayed >> log\"}")),
                FakeModelReplies.anthropicText("first run done"));
        runner = RunnerHarness.launch(tmp, Map.of("ANTHROPIC_API_KEY", KEY));
        runner.send(init("anthropic", server.baseUrl(), null, new Budget(null, null, 1), null, null, fast()));
        runner.untilExit();
        runner.close();
        Path transcript = tmp.resolve("run/transcript.jsonl");
        Path replay = Files.copy(transcript, tmp.resolve("replay.jsonl"));

        runner = RunnerHarness.launch(tmp, Map.of());
        Path work = tmp.resolve("work");
        runner.send(new Message.Init(Message.PROTOCOL_VERSION, "r-replay", "replay", new TemplateSpec("t", "# t"), null,
                new RunConfig("scripted", null, null, replay.toString(), work.toString(), tmp.resolve("run2").toString(),
                        0, false, null, null, null, null, null, null, null, null, null)));
        List<Message> messages = runner.untilExit();

        assertThat(messages).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Message.IterationDone.class,
                d -> assertThat(d.summary()).isEqualTo("first run done")));
        assertThat(messages.get(messages.size() - 1)).isEqualTo(new Message.Exit(EndReason.SCRIPT_EXHAUSTED, 1, null));
        assertThat(Files.readAllLines(work.resolve("log"))).containsExactly("replayed", "replayed");
    }
}
