package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One message of the conversation, in a provider-neutral shape (content blocks, as the Anthropic
 * Messages API has them; the OpenAI provider maps them to its roles). Immutable; its size in
 * characters is computed once, since the loop sums it over the whole conversation on every call.
 */
public final class ChatMessage {

    public enum Role { USER, ASSISTANT }

    private final Role role;
    private final List<Block> content;
    private final int chars;

    public ChatMessage(Role role, List<Block> content) {
        this.role = role;
        this.content = List.copyOf(content);
        int n = 0;
        for (Block b : this.content) {
            n += b.chars();
        }
        this.chars = n;
    }

    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, List.of(new Text(text)));
    }

    public Role role() {
        return role;
    }

    public List<Block> content() {
        return content;
    }

    /** Characters this message puts in front of the model: the basis of size estimates. */
    public int chars() {
        return chars;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChatMessage m && m.role == role && m.content.equals(content);
    }

    @Override
    public int hashCode() {
        return role.hashCode() * 31 + content.hashCode();
    }

    @Override
    public String toString() {
        return "ChatMessage[" + role + ", " + content + "]";
    }

    /** A block of a message. */
    public sealed interface Block {
        /** Characters this block puts in front of the model. */
        int chars();
    }

    public record Text(String text) implements Block {
        @Override
        public int chars() {
            return text.length();
        }
    }

    public record ToolUse(String id, String name, JsonNode input) implements Block {
        @Override
        public int chars() {
            return name.length() + input.toString().length();
        }
    }

    public record ToolResultBlock(String toolUseId, String content, boolean isError) implements Block {
        @Override
        public int chars() {
            return content.length();
        }
    }
}
