package dev.ccd.runner.agent;

import dev.ccd.runner.provider.ChatMessage;
import dev.ccd.runner.provider.ToolSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps an unbounded run's prompt bounded. Before each model call the prompt size is estimated
 * (characters / 4). Above {@code threshold} of the context window the conversation is brought
 * down to half of that, in three steps, each only if still needed:
 * <ol>
 *   <li>old large tool outputs (before the current iteration) are trimmed to head and tail;</li>
 *   <li>all iterations but the last {@link #KEEP_ITERATIONS} are replaced by a summary (made by
 *       the {@link Summarizer}), merged into the first kept prompt so roles still alternate;</li>
 *   <li>every tool output but the newest is trimmed hard.</li>
 * </ol>
 * The system prompt is never touched. Each compaction is reported, for {@code ccd agent logs}.
 *
 * <p>Used by the agent loop thread only; it edits the conversation list it is given.
 */
final class ContextManager {
    static final int KEEP_ITERATIONS = 2;
    static final int OLD_OUTPUT_CHARS = 2_000;
    static final int HARD_OUTPUT_CHARS = 500;
    static final String SUMMARY_HEADER = "[Summary of the earlier iterations of this run, compacted by ccd]\n";

    /** Turns older messages into a short text. May call the model. */
    interface Summarizer {
        String summarize(List<ChatMessage> older) throws InterruptedException;
    }

    /** Hears about each compaction, in one line. */
    interface Listener {
        void compacted(String description);
    }

    private final long limitTokens;
    private final long targetTokens;
    private final Summarizer summarizer;
    private final Listener listener;
    /** The tool list last sized, and its size: the same list comes on every call of a run. */
    private List<ToolSpec> sizedTools;
    private long sizedToolChars;

    ContextManager(int windowTokens, double threshold, Summarizer summarizer, Listener listener) {
        this.limitTokens = Math.round(windowTokens * threshold);
        this.targetTokens = limitTokens / 2;
        this.summarizer = summarizer;
        this.listener = listener;
    }

    long limitTokens() {
        return limitTokens;
    }

    static long estimateTokens(String system, List<ChatMessage> conversation, List<ToolSpec> tools) {
        return tokens(system.length() + toolChars(tools), conversation);
    }

    /** (fixed characters + the conversation's) / 4, rounded up; O(1) for a {@link Conversation}. */
    private static long tokens(long fixedChars, List<ChatMessage> conversation) {
        long chars = fixedChars;
        if (conversation instanceof Conversation counted) {
            chars += counted.chars();
        } else {
            for (ChatMessage m : conversation) {
                chars += m.chars();
            }
        }
        return (chars + 3) / 4;
    }

    /** Characters of the tool declarations. */
    static long toolChars(List<ToolSpec> tools) {
        long chars = 0;
        for (ToolSpec t : tools) {
            chars += t.name().length() + t.description().length() + t.inputSchema().toString().length();
        }
        return chars;
    }

    /** Compacts {@code conversation} in place when the prompt is over the limit. */
    void fit(String system, List<ChatMessage> conversation, List<ToolSpec> tools) throws InterruptedException {
        if (tools != sizedTools) {
            sizedTools = tools;
            sizedToolChars = toolChars(tools);
        }
        if (tokens(system.length() + sizedToolChars, conversation) > limitTokens) {
            compact(system, conversation, tools);
        }
    }

    /**
     * Compacts {@code conversation} in place whatever its estimated size: for a model that said
     * its context window was exceeded, the estimate having been too low.
     */
    void compact(String system, List<ChatMessage> conversation, List<ToolSpec> tools) throws InterruptedException {
        if (tools != sizedTools) {
            sizedTools = tools;
            sizedToolChars = toolChars(tools);
        }
        long fixed = system.length() + sizedToolChars;
        long before = tokens(fixed, conversation);
        int currentStart = iterationStarts(conversation).isEmpty() ? 0 : last(iterationStarts(conversation));
        int trimmed = trimOutputs(conversation, 0, currentStart, OLD_OUTPUT_CHARS);
        int summarized = 0;
        if (tokens(fixed, conversation) > targetTokens) {
            summarized = summarizeOlder(conversation);
        }
        if (tokens(fixed, conversation) > targetTokens) {
            trimmed += trimOutputs(conversation, 0, conversation.size() - 1, HARD_OUTPUT_CHARS);
        }
        long after = tokens(fixed, conversation);
        listener.compacted("context compacted: ~" + before + " tokens" + (before > limitTokens ? " over the limit of "
                + limitTokens : ", the model's context window exceeded") + "; "
                + (summarized > 0 ? summarized + " messages summarized, " : "")
                + trimmed + " tool outputs trimmed; now ~" + after + " tokens");
    }

    private int summarizeOlder(List<ChatMessage> conversation) throws InterruptedException {
        List<Integer> starts = iterationStarts(conversation);
        if (starts.size() <= 1) {
            return 0;
        }
        int keepFrom = starts.get(Math.max(1, starts.size() - KEEP_ITERATIONS));
        List<ChatMessage> older = new ArrayList<>(conversation.subList(0, keepFrom));
        String summary = summarizer.summarize(older);
        ChatMessage firstKept = conversation.get(keepFrom);
        List<ChatMessage.Block> blocks = new ArrayList<>();
        blocks.add(new ChatMessage.Text(SUMMARY_HEADER + summary.strip() + "\n[End of summary]"));
        blocks.addAll(firstKept.content());
        conversation.subList(0, keepFrom + 1).clear();
        conversation.add(0, new ChatMessage(ChatMessage.Role.USER, blocks));
        return older.size();
    }

    /** Trims tool outputs of messages [from, to) longer than {@code max} to head and tail. */
    private static int trimOutputs(List<ChatMessage> conversation, int from, int to, int max) {
        int count = 0;
        for (int i = from; i < to; i++) {
            ChatMessage m = conversation.get(i);
            boolean changed = false;
            List<ChatMessage.Block> blocks = new ArrayList<>(m.content());
            for (int b = 0; b < blocks.size(); b++) {
                if (blocks.get(b) instanceof ChatMessage.ToolResultBlock r && r.content().length() > max) {
                    blocks.set(b, new ChatMessage.ToolResultBlock(r.toolUseId(), headAndTail(r.content(), max), r.isError()));
                    changed = true;
                    count++;
                }
            }
            if (changed) {
                conversation.set(i, new ChatMessage(m.role(), blocks));
            }
        }
        return count;
    }

    static String headAndTail(String text, int max) {
        int half = max / 2;
        return text.substring(0, half) + "\n[... " + (text.length() - 2 * half)
                + " characters trimmed from the history by ccd ...]\n" + text.substring(text.length() - half);
    }

    /**
     * Indexes of the messages that open an iteration: user messages with text and no tool
     * results. (A tool-result message may carry text too, a background task's notice; cutting
     * there would keep results whose tool calls were summarized away, which the APIs refuse.)
     */
    static List<Integer> iterationStarts(List<ChatMessage> conversation) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < conversation.size(); i++) {
            ChatMessage m = conversation.get(i);
            if (m.role() == ChatMessage.Role.USER
                    && m.content().stream().anyMatch(ChatMessage.Text.class::isInstance)
                    && m.content().stream().noneMatch(ChatMessage.ToolResultBlock.class::isInstance)) {
                starts.add(i);
            }
        }
        return starts;
    }

    private static int last(List<Integer> list) {
        return list.get(list.size() - 1);
    }
}
