package dev.ccd.runner.provider;

import java.util.Collections;
import java.util.List;

/**
 * One call to the model: system prompt, the conversation so far, the tools it may call.
 *
 * @param messages a read-only view of the caller's conversation (not copied: a long run's
 *                 conversation is large, and it does not change while the call is made)
 * @param maxOutputTokens a cap below the run's configured {@code max_output_tokens} for this call
 *                 (a summary needs less), or 0 for the configured one
 * @param chars    characters of everything the model reads: system, messages (tools excluded)
 */
public record ModelRequest(String system, List<ChatMessage> messages, List<ToolSpec> tools, int maxOutputTokens,
        long chars) {
    public ModelRequest {
        messages = Collections.unmodifiableList(messages);
        tools = List.copyOf(tools);
    }

    /** A request whose size is counted here (for callers without a running count). */
    public ModelRequest(String system, List<ChatMessage> messages, List<ToolSpec> tools, int maxOutputTokens) {
        this(system, messages, tools, maxOutputTokens, count(system, messages));
    }

    private static long count(String system, List<ChatMessage> messages) {
        long n = system.length();
        for (ChatMessage m : messages) {
            n += m.chars();
        }
        return n;
    }
}
