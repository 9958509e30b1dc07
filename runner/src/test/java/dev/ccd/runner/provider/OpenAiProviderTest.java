package dev.ccd.runner.provider;

import static dev.ccd.runner.provider.FakeModelReplies.openAiError;
import static dev.ccd.runner.provider.FakeModelReplies.openAiText;
import static dev.ccd.runner.provider.FakeModelReplies.openAiToolCalls;
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

class OpenAiProviderTest extends HttpProviderContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    LlmProvider provider(ProviderSettings settings, Transcript transcript) {
        return new OpenAiProvider(settings, transcript);
    }

    @Override
    String name() {
        return "openai";
    }

    /** With a trailing slash, as users paste it: the provider must not send {@code //chat}. */
    @Override
    URI baseUrl(FakeModelServer server) {
        return URI.create(server.baseUrl() + "/v1/");
    }

    @Override
    Reply ok(String text) {
        return openAiText(text);
    }

    @Override
    Reply error(int status, String type, String message) {
        return openAiError(status, type, null, message);
    }

    @Test
    void multiTurnToolCallConversationMapsRolesBothWays() throws Exception {
        server.enqueue(openAiToolCalls(null, new Call("call_a", "bash", "{\"command\":\"ls\"}"),
                        new Call("call_b", "read_file", "{\"path\":\"a.txt\"}")),
                openAiText("Two files, a says hi."));
        LlmProvider provider = provider();
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        List<ToolSpec> tools = List.of(new ToolSpec("bash", "Runs a command", schema));
        List<ChatMessage> conversation = new ArrayList<>(List.of(ChatMessage.user("Begin the program.")));

        ModelTurn first = provider.complete(new ModelRequest("Be brief.", conversation, tools, 1000));

        assertThat(first.text()).isEmpty();
        assertThat(first.stopReason()).isEqualTo("tool_calls");
        assertThat(first.toolCalls()).extracting(ModelTurn.ToolCall::id).containsExactly("call_a", "call_b");
        assertThat(first.toolCalls().get(1).input().path("path").asText()).isEqualTo("a.txt");

        conversation.add(new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("Looking."),
                new ChatMessage.ToolUse("call_a", "bash", first.toolCalls().get(0).input()),
                new ChatMessage.ToolUse("call_b", "read_file", first.toolCalls().get(1).input()))));
        conversation.add(new ChatMessage(ChatMessage.Role.USER, List.of(
                new ChatMessage.ToolResultBlock("call_a", "a.txt\nb.txt", false),
                new ChatMessage.ToolResultBlock("call_b", "no such file", true),
                new ChatMessage.Text("Background task done."))));
        ModelTurn second = provider.complete(new ModelRequest("Be brief.", conversation, tools, 1000));

        assertThat(second.text()).isEqualTo("Two files, a says hi.");
        assertThat(second.stopReason()).isEqualTo("stop");
        assertThat(second.tokensIn()).isEqualTo(10);
        assertThat(second.tokensOut()).isEqualTo(5);

        FakeModelServer.Recorded sent = server.request(1);
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.header("content-type")).isEqualTo("application/json");
        JsonNode body = sent.json();
        assertThat(body.path("model").asText()).isEqualTo("model-x");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(1000);
        assertThat(body.path("tools")).isEqualTo(JSON.readTree("[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"bash\",\"description\":\"Runs a command\",\"parameters\":{\"type\":\"object\"}}}]"));
        assertThat(body.path("messages")).isEqualTo(JSON.readTree("["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Begin the program.\"},"
                + "{\"role\":\"assistant\",\"content\":\"Looking.\",\"tool_calls\":["
                + "{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"bash\",\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}},"
                + "{\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_a\",\"content\":\"a.txt\\nb.txt\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_b\",\"content\":\"Error: no such file\"},"
                + "{\"role\":\"user\",\"content\":\"Background task done.\"}]"));
    }

    @Test
    void assistantTurnWithOnlyToolCallsSendsNullContent() throws Exception {
        server.enqueue(openAiText("fine"));
        List<ChatMessage> conversation = List.of(ChatMessage.user("go"),
                new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text(""),
                        new ChatMessage.ToolUse("call_1", "bash", JSON.createObjectNode().put("command", "pwd")))),
                new ChatMessage(ChatMessage.Role.USER, List.of(new ChatMessage.ToolResultBlock("call_1", "/w", false))));

        provider().complete(new ModelRequest("", conversation, List.of(), 1000));

        JsonNode messages = server.request(0).json().path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0).path("role").asText()).isEqualTo("user");
        assertThat(messages.get(1).get("content").isNull()).isTrue();
        assertThat(server.request(0).json().has("tools")).isFalse();
    }

    @Test
    void localServerWithoutKeyGetsNoAuthorizationHeader() throws Exception {
        apiKey = null;
        server.enqueue(openAiText("local"));

        assertThat(provider().complete(hello()).text()).isEqualTo("local");
        assertThat(server.request(0).header("authorization")).isNull();
    }

    @Test
    void missingIdsInvalidArgumentsAndMissingUsageAreHandled() throws Exception {
        server.enqueue(Reply.json(200, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"bash\",\"arguments\":\"{\\\"command\\\": ls\"}},"
                + "{\"function\":{\"name\":\"list_files\",\"arguments\":{\"path\":\".\"}}},"
                + "{\"id\":\"\",\"function\":{\"name\":\"background_list\",\"arguments\":\"\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}]}"));

        ModelTurn turn = provider().complete(hello());

        assertThat(turn.text()).isEmpty();
        assertThat(turn.tokensIn()).isZero();
        assertThat(turn.tokensOut()).isZero();
        assertThat(turn.toolCalls()).extracting(ModelTurn.ToolCall::id).containsExactly("call_1", "call_2", "call_3");
        assertThat(turn.toolCalls().get(0).input()).isEqualTo(JSON.readTree("{\"_invalid_arguments\":\"{\\\"command\\\": ls\"}"));
        assertThat(turn.toolCalls().get(1).input()).isEqualTo(JSON.readTree("{\"path\":\".\"}"));
        assertThat(turn.toolCalls().get(2).input()).isEqualTo(JSON.createObjectNode());
    }

    @Test
    void lengthFinishReasonPassesThrough() throws Exception {
        server.enqueue(Reply.json(200, "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"cut sh\"},"
                + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1000}}"));

        ModelTurn turn = provider().complete(hello());

        assertThat(turn.stopReason()).isEqualTo("length");
        assertThat(turn.tokensOut()).isEqualTo(1000);
    }

    @Test
    void unauthorizedMessageNamesProviderStatusTypeCodeAndMessage() {
        server.enqueue(openAiError(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided"));

        assertThatThrownBy(() -> provider().complete(hello()))
                .hasMessage("openai: HTTP 401 invalid_request_error (invalid_api_key): Incorrect API key provided");
    }

    @Test
    void unknownModelOnOllamaIsFatal() {
        server.enqueue(Reply.json(404, "{\"error\":{\"message\":\"model \\\"llama9\\\" not found, try pulling it first\","
                + "\"type\":\"api_error\",\"param\":null,\"code\":null}}"));

        assertThatThrownBy(() -> provider().complete(hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.fatal()).isTrue())
                .hasMessage("openai: HTTP 404 api_error: model \"llama9\" not found, try pulling it first");
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void proxyHtmlErrorPageIsRetriedAndShownAsAnExcerpt() {
        maxRetries = 0;
        server.enqueue(Reply.text(502, "text/html", "<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>"));

        assertThatThrownBy(() -> provider().complete(hello()))
                .hasMessage("openai: HTTP 502 <html><body> <h1>502 Bad Gateway</h1> </body></html> (after 1 attempt)");
    }
}
