package dev.ccd.runner.agent;

import dev.ccd.runner.provider.ChatMessage;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's conversation with a running count of its characters, so that sizing the prompt
 * before each call costs nothing however long the run (a sum over every message on every call
 * made a 20,000-iteration run quadratic).
 *
 * <p>Used by the agent loop thread only.
 */
final class Conversation extends AbstractList<ChatMessage> {
    private final List<ChatMessage> messages = new ArrayList<>();
    private long chars;

    @Override
    public ChatMessage get(int index) {
        return messages.get(index);
    }

    @Override
    public int size() {
        return messages.size();
    }

    @Override
    public ChatMessage set(int index, ChatMessage message) {
        ChatMessage old = messages.set(index, message);
        chars += message.chars() - old.chars();
        return old;
    }

    @Override
    public void add(int index, ChatMessage message) {
        messages.add(index, message);
        chars += message.chars();
        modCount++;
    }

    @Override
    public ChatMessage remove(int index) {
        ChatMessage old = messages.remove(index);
        chars -= old.chars();
        modCount++;
        return old;
    }

    @Override
    protected void removeRange(int from, int to) {
        for (int i = from; i < to; i++) {
            chars -= messages.get(i).chars();
        }
        messages.subList(from, to).clear();
        modCount++;
    }

    /** Characters of all messages. */
    long chars() {
        return chars;
    }
}
