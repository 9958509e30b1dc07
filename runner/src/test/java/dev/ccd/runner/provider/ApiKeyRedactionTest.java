package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The API key is masked in what is recorded and reported, never in what the model said: local
 * servers take keys such as {@code ollama} or {@code test}, words a reply may well contain.
 */
class ApiKeyRedactionTest extends FakeModelServerFixture {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LONG_KEY = "sk-ant-api03-redaction-test-0123456789";

    final RecordingTranscript transcript = new RecordingTranscript();

    private ProviderSettings settings(String path, String key, boolean stream) {
        return TestProviderSettings.at(server.baseUri().resolve(path)).apiKey(key).maxRetries(1).stream(stream).build();
    }

    private static ModelRequest hello() {
        return new ModelRequest("", List.of(ChatMessage.user("hi")), List.of(), 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "1", "test", "ollama"})
    void aShortKeyLeavesRepliesToolInputsAndTheTranscriptIntact(String key) throws Exception {
        String text = "the ollama model answered: run mvn test, a 1-line change";
        String command = "{\"command\":\"echo ollama-was-here > o.txt && mvn test\"}";
        for (boolean stream : new boolean[] {true, false}) {
            server.enqueue(FakeModelReplies.openAiToolCalls(text, new Call("call_1", "bash", command)),
                    FakeModelReplies.anthropicToolUse(text, new Call("toolu_1", "bash", command)));

            ModelTurn fromOpenAi = new OpenAiProvider(settings("/v1", key, stream), transcript).complete(hello());
            ModelTurn fromAnthropic = new AnthropicProvider(settings("/", key, stream), transcript).complete(hello());

            for (ModelTurn turn : List.of(fromOpenAi, fromAnthropic)) {
                assertThat(turn.text()).isEqualTo(text);
                assertThat(turn.toolCalls().get(0).input()).isEqualTo(JSON.readTree(command));
            }
        }
        assertThat(transcript.entries()).filteredOn(e -> e.kind().equals("response"))
                .allSatisfy(e -> assertThat(e.turn().text()).isEqualTo(text));
        assertThat(transcript.entries()).noneSatisfy(e -> assertThat(String.valueOf(e.body())).contains("[redacted]"));
    }

    @Test
    void aRealKeyEchoedByTheServerIsMaskedInErrorsAndTranscriptButNotInWhatTheModelSaid() throws Exception {
        server.enqueue(FakeModelReplies.anthropicError(401, "authentication_error", "invalid x-api-key " + LONG_KEY),
                FakeModelReplies.anthropicText("your key is " + LONG_KEY));
        AnthropicProvider provider = new AnthropicProvider(settings("/", LONG_KEY, false), transcript);

        ProviderException refused = catchThrowableOfType(() -> provider.complete(hello()), ProviderException.class);
        ModelTurn turn = provider.complete(hello());

        assertThat(refused.getMessage()).doesNotContain(LONG_KEY).contains("invalid x-api-key [redacted]");
        assertThat(turn.text()).isEqualTo("your key is " + LONG_KEY);
        assertThat(transcript.entries()).noneSatisfy(e -> assertThat(e.toString()).contains(LONG_KEY));
        RecordingTranscript.Entry last = transcript.entries().get(transcript.entries().size() - 1);
        // masked inside the JSON's strings: the record is still the reply's JSON
        assertThat(last.body().path("content").get(0).path("text").asText()).isEqualTo("your key is [redacted]");
        assertThat(last.turn().text()).isEqualTo("your key is [redacted]");
    }
}
