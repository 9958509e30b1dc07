package dev.ccd.runner.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Small helpers shared by the tool tests. */
final class ToolTesting {
    private ToolTesting() {
    }

    /** {@code input("command", "ls", "timeout_s", 5)} as a JSON object. */
    static ObjectNode input(Object... namesAndValues) {
        ObjectNode node = MessageCodec.mapper().createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            node.set((String) namesAndValues[i], MessageCodec.mapper().valueToTree(namesAndValues[i + 1]));
        }
        return node;
    }

    static JsonNode json(String text) {
        try {
            return MessageCodec.mapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pid a command wrote with {@code echo $$ > file}, once the line is complete. */
    static OptionalLong pidIn(Path file) {
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            return text.matches("\\d+\n") ? OptionalLong.of(Long.parseLong(text.trim())) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
