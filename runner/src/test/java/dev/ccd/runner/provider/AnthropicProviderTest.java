package dev.ccd.runner.provider;

import static dev.ccd.runner.provider.FakeModelReplies.anthropicError;
import static dev.ccd.runner.provider.FakeModelReplies.anthropicText;
import static dev.ccd.runner.provider.FakeModelReplies.anthropicToolUse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicProviderTest extends HttpProviderContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    LlmProvider provider(ProviderSettings settings, Transcript transcript) {
        return new AnthropicProvider(settings, transcript);
    }

    @Override
    String name() {
        return "anthropic";
    }

    @Override
    URI baseUrl(FakeModelServer server) {
        return server.baseUri();
    }

    @Override
    Reply ok(String text) {
        return anthropicText(text);
    }

    @Override
    Reply error(int status, String type, String message) {
        return anthropicError(status, type, message);
    }

    static final String CACHE_5M = "{\"type\":\"ephemeral\",\"ttl\":\"5m\"}";

    @Test
    void multiTurnToolUseConversationMapsBlocksBothWays() throws Exception {
        server.enqueue(anthropicToolUse("Let me look.", new Call("toolu_01", "bash", "{\"command\":\"ls\"}")),
                anthropicText("Two files."));
        LlmProvider provider = provider();
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        schema.putObject("properties").putObject("command").put("type", "string");
        List<ToolSpec> tools = List.of(new ToolSpec("bash", "Runs a command", schema));
        List<ChatMessage> conversation = new ArrayList<>(List.of(ChatMessage.user("Begin the program.")));

        ModelTurn first = provider.complete(new ModelRequest("Be brief.", conversation, tools, 1000));

        assertThat(first.text()).isEqualTo("Let me look.");
        assertThat(first.stopReason()).isEqualTo("tool_use");
        assertThat(first.toolCalls()).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("toolu_01");
            assertThat(call.name()).isEqualTo("bash");
            assertThat(call.input().path("command").asText()).isEqualTo("ls");
        });
        assertThat(first.tokensIn()).isEqualTo(10);
        assertThat(first.tokensOut()).isEqualTo(5);

        conversation.add(new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text(""),
                new ChatMessage.ToolUse("toolu_01", "bash", first.toolCalls().get(0).input()))));
        conversation.add(new ChatMessage(ChatMessage.Role.USER, List.of(new ChatMessage.Text("Background task done."),
                new ChatMessage.ToolResultBlock("toolu_01", "a.txt\nb.txt", false))));
        ModelTurn second = provider.complete(new ModelRequest("Be brief.", conversation, tools, 1000));

        assertThat(second.text()).isEqualTo("Two files.");
        assertThat(second.toolCalls()).isEmpty();
        assertThat(second.stopReason()).isEqualTo("end_turn");

        FakeModelServer.Recorded sent = server.request(1);
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/v1/messages");
        assertThat(sent.header("x-api-key")).isEqualTo(KEY);
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.header("content-type")).isEqualTo("application/json");
        JsonNode body = sent.json();
        assertThat(body.path("model").asText()).isEqualTo("model-x");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(1000);
        assertThat(body.path("system").get(0).path("text").asText()).isEqualTo("Be brief.");
        assertThat(body.path("tools").get(0)).isEqualTo(JSON.readTree(
                "{\"name\":\"bash\",\"description\":\"Runs a command\",\"input_schema\":" + schema + "}"));
        JsonNode messages = body.path("messages");
        assertThat(messages).hasSize(3);
        // cache breakpoints: after tools and system, on the newest message and on the previous request's newest
        assertThat(body.path("system").get(0).path("cache_control")).isEqualTo(JSON.readTree(CACHE_5M));
        assertThat(messages.get(0)).isEqualTo(JSON.readTree(
                "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Begin the program.\","
                        + "\"cache_control\":" + CACHE_5M + "}]}"));
        assertThat(messages.get(1)).isEqualTo(JSON.readTree("{\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"bash\",\"input\":{\"command\":\"ls\"}}]}"));
        assertThat(messages.get(2)).isEqualTo(JSON.readTree("{\"role\":\"user\",\"content\":["
                + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01\",\"content\":\"a.txt\\nb.txt\",\"is_error\":false},"
                + "{\"type\":\"text\",\"text\":\"Background task done.\",\"cache_control\":" + CACHE_5M + "}]}"));
    }

    @Test
    void requestWithoutToolsOmitsTheToolsField() throws Exception {
        server.enqueue(anthropicText("ok"));

        provider().complete(hello());

        assertThat(server.request(0).json().has("tools")).isFalse();
    }

    @Test
    void overloaded529IsRetriedThenSucceeds() throws Exception {
        server.enqueue(anthropicError(529, "overloaded_error", "Overloaded"), anthropicText("back"));

        assertThat(provider().complete(hello()).text()).isEqualTo("back");
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void unauthorizedMessageNamesProviderStatusTypeAndMessage() {
        server.enqueue(anthropicError(401, "authentication_error", "invalid x-api-key"));

        assertThatThrownBy(() -> provider().complete(hello()))
                .hasMessage("anthropic: HTTP 401 authentication_error: invalid x-api-key");
    }

    @Test
    void exhaustedRetriesMessageNamesTypeAndAttempts() {
        maxRetries = 1;
        server.enqueue(anthropicError(500, "api_error", "Internal server error"),
                anthropicError(500, "api_error", "Internal server error"));

        assertThatThrownBy(() -> provider().complete(hello()))
                .hasMessage("anthropic: HTTP 500 api_error: Internal server error (after 2 attempts)");
    }

    @Test
    void retryAfterMsIsPreferredOverRetryAfterSeconds() throws Exception {
        server.enqueue(anthropicError(429, "rate_limit_error", "slow down")
                .header("retry-after-ms", "300").header("retry-after", "30"), anthropicText("soon"));

        assertThat(provider().complete(hello()).text()).isEqualTo("soon");
        assertThat(millisBetween(server.request(0).receivedNanos(), server.request(1).receivedNanos()))
                .isBetween(290L, 20_000L);
    }

    @Test
    void usageCountsCacheTokensAndPauseTurnComesBackAsIs() throws Exception {
        server.enqueue(Reply.json(200, "{\"type\":\"message\",\"role\":\"assistant\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"Still \"},{\"type\":\"text\",\"text\":\"working.\"}],"
                + "\"stop_reason\":\"pause_turn\",\"usage\":{\"input_tokens\":7,\"cache_creation_input_tokens\":100,"
                + "\"cache_read_input_tokens\":1000,\"output_tokens\":3}}"));

        ModelTurn turn = provider().complete(hello());

        assertThat(turn.text()).isEqualTo("Still working.");
        assertThat(turn.stopReason()).isEqualTo("pause_turn");
        assertThat(turn.tokensIn()).isEqualTo(1107);
        assertThat(turn.tokensOut()).isEqualTo(3);
    }

    @Test
    void refusalComesBackWithItsTextAndNoUsageCountsZero() throws Exception {
        server.enqueue(Reply.json(200, "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"I can't help.\"}],"
                + "\"stop_reason\":\"refusal\"}"));

        ModelTurn turn = provider().complete(hello());

        assertThat(turn.text()).isEqualTo("I can't help.");
        assertThat(turn.stopReason()).isEqualTo("refusal");
        assertThat(turn.tokensIn()).isZero();
        assertThat(turn.tokensOut()).isZero();
    }
}
