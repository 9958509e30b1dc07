package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One message of the conversation, in a provider-neutral shape (content blocks, as the Anthropic
 * Messages API has them; the OpenAI provider maps them to its roles).
 */
public record ChatMessage(Role role, List<Block> content) {

    public enum Role { USER, ASSISTANT }

    public ChatMessage {
        content = List.copyOf(content);
    }

    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, List.of(new Text(text)));
    }

    /** A block of a message. */
    public sealed interface Block {
        /** Characters this block puts in front of the model: the basis of size estimates. */
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

    public int chars() {
        int n = 0;
        for (Block b : content) {
            n += b.chars();
        }
        return n;
    }
}
