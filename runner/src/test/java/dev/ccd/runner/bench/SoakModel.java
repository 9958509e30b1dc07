package dev.ccd.runner.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelServer;

/**
 * A fake model whose conversation keeps outgrowing a small window: a {@code read_file} of a
 * 9,000-character file on each prompt, a long answer on the tool result, a short summary when
 * asked for one. Shared by the soak test and the soak benchmark.
 */
public final class SoakModel {
    private SoakModel() {
    }

    public static FakeModelServer.Reply reply(FakeModelServer.Recorded request) {
        JsonNode messages = request.json().path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        if (last.path("content").asText("").contains("Summarize the conversation above")) {
            return FakeModelReplies.openAiText("Summary: the loop read big.txt and answered at length, every time.");
        }
        if (last.path("role").asText().equals("tool")) {
            return FakeModelReplies.openAiText("Iteration after " + messages.size() + " messages: "
                    + "the output was long and the answer is longer. ".repeat(40));
        }
        return FakeModelReplies.openAiToolCalls(null,
                new FakeModelReplies.Call("call_" + messages.size(), "read_file", "{\"path\":\"big.txt\"}"));
    }
}
