package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both providers against a fake server that streams each vendor's events one by one. */
class StreamingTest extends FakeModelServerFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    final RecordingTranscript transcript = new RecordingTranscript();

    private ProviderSettings settings(String path, boolean stream, Duration idle) {
        return TestProviderSettings.at(server.baseUri().resolve(path)).apiKey("sk-streaming-test-key")
                .requestTimeout(Duration.ofSeconds(20)).maxRetries(2).stream(stream).streamIdleTimeout(idle).build();
    }

    private AnthropicProvider anthropic(boolean stream, Duration idle) {
        return new AnthropicProvider(settings("/", stream, idle), transcript);
    }

    private OpenAiProvider openAi(boolean stream, Duration idle) {
        return new OpenAiProvider(settings("/v1", stream, idle), transcript);
    }

    private static ModelRequest hello() {
        return new ModelRequest("Be brief.", List.of(ChatMessage.user("hi")), List.of(), 0);
    }

    @Test
    void anthropicTextAndToolInputArriveInPiecesAndAreAssembled() throws Exception {
        server.enqueue(FakeModelReplies.anthropicToolUse("Listing the files now.",
                new Call("toolu_1", "bash", "{\"command\":\"ls -la /tmp\",\"timeout_s\":30}")));

        ModelTurn turn = anthropic(true, Duration.ofSeconds(5)).complete(hello());

        assertThat(server.request(0).json().path("stream").asBoolean()).isTrue();
        assertThat(server.request(0).header("accept")).isEqualTo("text/event-stream");
        assertThat(turn.text()).isEqualTo("Listing the files now.");
        assertThat(turn.toolCalls()).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("toolu_1");
            assertThat(call.input()).isEqualTo(JSON.readTree("{\"command\":\"ls -la /tmp\",\"timeout_s\":30}"));
        });
        assertThat(turn.stopReason()).isEqualTo("tool_use");
        // usage: input from message_start, output from the final message_delta
        assertThat(turn.tokensIn()).isEqualTo(10);
        assertThat(turn.tokensOut()).isEqualTo(5);
        assertThat(transcript.entries().get(1).body().path("streamed_events").asInt()).isGreaterThan(8);
    }

    @Test
    void openAiToolCallDeltasAndTheUsageChunkAreAssembled() throws Exception {
        server.enqueue(FakeModelReplies.openAiToolCalls(null, new Call("call_a", "bash", "{\"command\":\"make test\"}"),
                new Call("call_b", "read_file", "{\"path\":\"README.md\"}")));

        ModelTurn turn = openAi(true, Duration.ofSeconds(5)).complete(hello());

        assertThat(server.request(0).json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(turn.toolCalls()).extracting(ModelTurn.ToolCall::id).containsExactly("call_a", "call_b");
        assertThat(turn.toolCalls().get(0).input()).isEqualTo(JSON.readTree("{\"command\":\"make test\"}"));
        assertThat(turn.toolCalls().get(1).input()).isEqualTo(JSON.readTree("{\"path\":\"README.md\"}"));
        assertThat(turn.stopReason()).isEqualTo("tool_calls");
        assertThat(turn.tokensIn()).isEqualTo(10);
        assertThat(turn.tokensOut()).isEqualTo(5);
    }

    @Test
    void aStreamCutMidwayIsRetriedAndItsAttemptCountedAsAnEstimate() throws Exception {
        Reply whole = FakeModelReplies.anthropicText("A long answer that is cut off in the middle of it.");
        server.enqueue(FakeStreams.anthropic(whole).cutAfterEvents(5), whole);

        ModelTurn turn = anthropic(true, Duration.ofSeconds(5)).complete(hello());

        assertThat(turn.text()).isEqualTo("A long answer that is cut off in the middle of it.");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(turn.abandoned().estimated()).isTrue();
        // message_start said 10 input tokens before the cut; the text so far is estimated
        assertThat(turn.abandoned().input()).isEqualTo(10);
        assertThat(turn.abandoned().output()).isPositive();
        assertThat(transcript.kinds()).contains("failure");
    }

    @Test
    void aStreamThatFallsSilentTimesOutOnItsIdleTimeoutNotTheRequestTimeout() throws Exception {
        Reply whole = FakeModelReplies.openAiText("slow");
        server.enqueue(FakeStreams.openAi(whole).stallAfterEvents(2, Duration.ofSeconds(30)), whole);

        ModelTurn turn = openAi(true, Duration.ofMillis(300)).complete(hello());

        assertThat(turn.text()).isEqualTo("slow");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(transcript.entries()).anySatisfy(e -> assertThat(String.valueOf(e.error()))
                .contains("stream idle timeout"));
        assertThat(turn.abandoned().estimated()).isTrue();
        assertThat(turn.abandoned().input()).isPositive();
    }

    @Test
    void aGenerationLongerThanTheRequestTimeoutIsNoTimeoutWhileEventsKeepComing() throws Exception {
        Reply whole = FakeModelReplies.anthropicText("a reply that takes a while to write out in full");
        server.enqueue(FakeStreams.anthropic(whole).paced(Duration.ofMillis(60)));
        ProviderSettings quick = TestProviderSettings.at(server.baseUri()).apiKey(null)
                .requestTimeout(Duration.ofMillis(400)).streamIdleTimeout(Duration.ofSeconds(5)).build();

        long start = System.nanoTime();
        ModelTurn turn = new AnthropicProvider(quick, transcript).complete(hello());

        assertThat(turn.text()).isEqualTo("a reply that takes a while to write out in full");
        // 14 events 60 ms apart: well past the 400 ms request timeout
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(400));
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void anErrorEventMidStreamIsRetried() throws Exception {
        ObjectNode error = JSON.createObjectNode().put("type", "error");
        error.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
        List<String> events = FakeStreams.anthropicEvents(JSON.readTree(FakeModelReplies.anthropicText("x").body()))
                .subList(0, 2);
        server.enqueue(Reply.stream(List.of(events.get(0), "event: error\ndata: " + error + "\n\n")),
                FakeModelReplies.anthropicText("recovered"));

        assertThat(anthropic(true, Duration.ofSeconds(5)).complete(hello()).text()).isEqualTo("recovered");
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void aServerWithoutStreamingIsDetectedOnceAndThenAskedWithout() throws Exception {
        server.withoutStreaming().enqueue(FakeModelReplies.openAiText("one"), FakeModelReplies.openAiText("two"));
        OpenAiProvider provider = openAi(true, Duration.ofSeconds(5));

        assertThat(provider.complete(hello()).text()).isEqualTo("one");
        assertThat(provider.complete(hello()).text()).isEqualTo("two");

        assertThat(server.request(0).json().path("stream").asBoolean()).isTrue();
        assertThat(server.request(1).json().has("stream")).isFalse();
        assertThat(server.request(1).json().has("stream_options")).isFalse();
    }

    @Test
    void aServerThatRefusesTheStreamFieldsIsAskedAgainAtOnceWithout() throws Exception {
        server.enqueue(FakeModelReplies.openAiError(400, "invalid_request_error", null,
                "Unrecognized request argument supplied: stream_options"), FakeModelReplies.openAiText("plain"),
                FakeModelReplies.openAiText("still plain"));
        OpenAiProvider provider = openAi(true, Duration.ofSeconds(5));

        assertThat(provider.complete(hello()).text()).isEqualTo("plain");
        assertThat(provider.complete(hello()).text()).isEqualTo("still plain");

        assertThat(server.request(0).json().has("stream_options")).isTrue();
        assertThat(server.request(1).json().has("stream")).isFalse();
        assertThat(server.request(1).json().has("stream_options")).isFalse();
        assertThat(server.request(2).json().has("stream")).isFalse();
    }

    @Test
    void streamFalseInTheConfigSendsNoStreamField() throws Exception {
        server.enqueue(FakeModelReplies.anthropicText("whole"));

        assertThat(anthropic(false, Duration.ofSeconds(5)).complete(hello()).text()).isEqualTo("whole");
        assertThat(server.request(0).json().has("stream")).isFalse();
    }

    @Test
    void aRequestTimeoutWithoutStreamingIsCountedAsBilledEstimate() throws Exception {
        server.enqueue(FakeModelReplies.anthropicText("late").delayed(Duration.ofSeconds(30)),
                FakeModelReplies.anthropicText("in time"));
        ProviderSettings quick = TestProviderSettings.at(server.baseUri()).apiKey(null)
                .requestTimeout(Duration.ofMillis(300)).maxRetries(1).stream(false)
                .streamIdleTimeout(Duration.ofSeconds(5)).build();

        ModelTurn turn = new AnthropicProvider(quick, transcript).complete(hello());

        assertThat(turn.text()).isEqualTo("in time");
        assertThat(turn.abandoned().estimated()).isTrue();
        assertThat(turn.abandoned().input()).isEqualTo(server.request(0).body().length() / 4);
    }

    @Test
    void shouldRetryTrueRetriesAClientErrorAndFalseStopsRetryingAServerError() throws Exception {
        server.enqueue(FakeModelReplies.anthropicError(400, "invalid_request_error", "try again")
                        .header("x-should-retry", "true"),
                FakeModelReplies.anthropicText("second time lucky"),
                FakeModelReplies.anthropicError(503, "api_error", "do not retry").header("x-should-retry", "false"));
        AnthropicProvider provider = anthropic(true, Duration.ofSeconds(5));

        assertThat(provider.complete(hello()).text()).isEqualTo("second time lucky");
        ProviderException e = catchThrowableOfType(() -> provider.complete(hello()), ProviderException.class);

        assertThat(e.fatal()).isFalse();
        assertThat(e.getMessage()).contains("503").contains("said not to retry");
        assertThat(server.requestCount()).isEqualTo(3);
    }
}
