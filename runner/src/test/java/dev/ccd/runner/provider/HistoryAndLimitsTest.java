package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the vendors' servers refuse ({@link VendorRules}) is never sent: whitespace-only text in
 * replayed history, {@code max_tokens} to OpenAI's reasoning models.
 */
class HistoryAndLimitsTest extends FakeModelServerFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProviderSettings settings(URI base, String model, String field) {
        return TestProviderSettings.at(base).model(model).maxOutputTokens(777).maxTokensField(field).build();
    }

    /** Claude's "\n\n" before a tool call, sent back, and a user message of spaces and a notice. */
    private static List<ChatMessage> historyWithWhitespace() throws IOException {
        return List.of(
                ChatMessage.user("Begin."),
                new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("\n\n"),
                        new ChatMessage.ToolUse("toolu_1", "bash", JSON.readTree("{\"command\":\"ls\"}")))),
                new ChatMessage(ChatMessage.Role.USER, List.of(new ChatMessage.ToolResultBlock("toolu_1", "a.txt", false),
                        new ChatMessage.Text(" \t\n"))),
                new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("  "))),
                ChatMessage.user("   "));
    }

    @Test
    void anthropicNeverSendsWhitespaceOnlyTextOrAnEmptyMessage() throws Exception {
        server.enqueue(FakeModelReplies.anthropicText("fine"));

        ModelTurn turn = new AnthropicProvider(settings(server.baseUri(), "claude-x", null), null)
                .complete(new ModelRequest("sys", historyWithWhitespace(), List.of(), 0));

        assertThat(turn.text()).isEqualTo("fine");
        JsonNode messages = server.request(0).json().path("messages");
        assertThat(messages.get(1).path("content")).hasSize(1);
        assertThat(messages.get(1).path("content").get(0).path("type").asText()).isEqualTo("tool_use");
        assertThat(messages.get(2).path("content")).hasSize(1);
        assertThat(messages.get(3).path("content").get(0).path("text").asText()).isEqualTo(AnthropicProvider.EMPTY_MESSAGE);
        assertThat(messages.get(4).path("content").get(0).path("text").asText()).isEqualTo(AnthropicProvider.EMPTY_MESSAGE);
    }

    @Test
    void openAiNeverSendsWhitespaceOnlyContent() throws Exception {
        server.enqueue(FakeModelReplies.openAiText("fine"));

        new OpenAiProvider(settings(server.baseUri().resolve("/v1"), "llama3", null), null)
                .complete(new ModelRequest("sys", historyWithWhitespace(), List.of(), 0));

        JsonNode messages = server.request(0).json().path("messages");
        // system, user, assistant (tool call only), tool, assistant, user
        assertThat(messages).hasSize(6);
        assertThat(messages.get(2).path("content").isNull()).isTrue();
        assertThat(messages.get(3).path("role").asText()).isEqualTo("tool");
        for (JsonNode m : messages) {
            if (m.path("content").isTextual()) {
                assertThat(m.path("content").asText()).isNotBlank();
            }
        }
    }

    @Test
    void reasoningModelsGetMaxCompletionTokensAndOtherModelsOfLocalServersMaxTokens() throws Exception {
        URI local = server.baseUri().resolve("/v1");
        for (String model : List.of("gpt-5", "gpt-5-mini", "o3", "o4-mini", "o1")) {
            server.enqueue(FakeModelReplies.openAiText("ok"));
            new OpenAiProvider(settings(local, model, null), null)
                    .complete(new ModelRequest("", List.of(ChatMessage.user("hi")), List.of(), 0));
        }
        server.enqueue(FakeModelReplies.openAiText("ok"));
        new OpenAiProvider(settings(local, "llama3.1:8b", null), null)
                .complete(new ModelRequest("", List.of(ChatMessage.user("hi")), List.of(), 0));

        for (int i = 0; i < 5; i++) {
            assertThat(server.request(i).json().path("max_completion_tokens").asInt()).isEqualTo(777);
            assertThat(server.request(i).json().has("max_tokens")).isFalse();
        }
        assertThat(server.request(5).json().path("max_tokens").asInt()).isEqualTo(777);
        assertThat(server.request(5).json().has("max_completion_tokens")).isFalse();
    }

    @Test
    void apiOpenAiComGetsMaxCompletionTokensForEveryModelAndTheConfigOverridesTheChoice() {
        URI vendor = URI.create("https://api.openai.com/v1");
        URI local = URI.create("http://127.0.0.1:8000/v1");

        assertThat(OpenAiProvider.maxTokensField(settings(vendor, "gpt-4o-mini", null))).isEqualTo("max_completion_tokens");
        assertThat(OpenAiProvider.maxTokensField(settings(local, "gpt-4o-mini", null))).isEqualTo("max_tokens");
        assertThat(OpenAiProvider.maxTokensField(settings(local, "openrouter/o3-pro", null)))
                .isEqualTo("max_completion_tokens");
        assertThat(OpenAiProvider.maxTokensField(settings(local, "qwen", "max_completion_tokens")))
                .isEqualTo("max_completion_tokens");
        assertThat(OpenAiProvider.maxTokensField(settings(vendor, "gpt-4o", "max_tokens"))).isEqualTo("max_tokens");
        // names that only look like the families
        assertThat(OpenAiProvider.maxTokensField(settings(local, "o1x", null))).isEqualTo("max_tokens");
        assertThat(OpenAiProvider.maxTokensField(settings(local, "olmo-2", null))).isEqualTo("max_tokens");
    }
}
