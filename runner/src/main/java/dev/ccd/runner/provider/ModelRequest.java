package dev.ccd.runner.provider;

import java.util.List;

/** One call to the model: system prompt, the conversation so far, the tools it may call. */
public record ModelRequest(String system, List<ChatMessage> messages, List<ToolSpec> tools, int maxOutputTokens) {
    public ModelRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
    }

    /** Characters of everything the model reads in this request. */
    public long chars() {
        long n = system.length();
        for (ChatMessage m : messages) {
            n += m.chars();
        }
        return n;
    }
}
