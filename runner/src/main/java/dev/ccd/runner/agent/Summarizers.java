package dev.ccd.runner.agent;

import dev.ccd.protocol.Excerpt;
import dev.ccd.runner.provider.ChatMessage;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.ModelRequest;
import dev.ccd.runner.provider.ModelTurn;
import dev.ccd.runner.provider.ProviderException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The two ways to summarize older turns: ask the model, or keep the tail of their text. */
final class Summarizers {
    private static final Logger log = LoggerFactory.getLogger(Summarizers.class);
    static final int MAX_SUMMARY_CHARS = 6_000;
    static final String INSTRUCTION = "Summarize the conversation above for your own later use: the goal, what was"
            + " tried, what worked and what did not (with the numbers), the current state of the work, and what to do"
            + " next. Be concise; do not call tools.";

    private Summarizers() {
    }

    /**
     * Deterministic: the text of the older messages, newest last, cut to its last characters.
     * For the scripted provider (whose turns must not be spent on summaries) and as the fallback
     * when the model cannot summarize.
     */
    static String truncating(List<ChatMessage> older) {
        StringBuilder text = new StringBuilder();
        for (ChatMessage m : older) {
            for (ChatMessage.Block b : m.content()) {
                if (b instanceof ChatMessage.Text t) {
                    text.append(m.role() == ChatMessage.Role.USER ? "user: " : "assistant: ").append(t.text()).append('\n');
                } else if (b instanceof ChatMessage.ToolUse u) {
                    text.append("tool call: ").append(u.name()).append(' ').append(u.input()).append('\n');
                }
            }
        }
        return Excerpt.tail(text.toString(), MAX_SUMMARY_CHARS);
    }

    /** Asks the model, without tools; falls back to {@link #truncating} when the call fails. */
    static ContextManager.Summarizer byModel(LlmProvider provider, String system) {
        return older -> {
            List<ChatMessage> messages = new ArrayList<>(older);
            if (!messages.isEmpty() && messages.get(messages.size() - 1).role() == ChatMessage.Role.USER) {
                messages.add(new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("(continuing)"))));
            }
            messages.add(ChatMessage.user(INSTRUCTION));
            try {
                ModelTurn turn = provider.complete(new ModelRequest(system, messages, List.of(), 1024));
                String text = turn.text().strip();
                if (!text.isEmpty()) {
                    return Excerpt.abbreviate(text, MAX_SUMMARY_CHARS);
                }
            } catch (ProviderException e) {
                log.warn("summary by the model failed, keeping the tail instead: {}", e.getMessage());
            }
            return truncating(older);
        };
    }
}
