package dev.ccd.runner.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.MessageCodec;

/**
 * Builds a tool's JSON Schema: an object of flat, typed properties with no others allowed.
 * {@link ToolInput} reads the same schema to refuse fields the tool does not know, so a model that
 * misspells {@code timeout_s} hears about it instead of silently getting the default.
 */
final class InputSchema {
    private final ObjectNode schema = MessageCodec.mapper().createObjectNode();
    private final ObjectNode properties;
    private final ArrayNode required;

    private InputSchema() {
        schema.put("type", "object");
        properties = schema.putObject("properties");
        required = schema.putArray("required");
        schema.put("additionalProperties", false);
    }

    static InputSchema object() {
        return new InputSchema();
    }

    InputSchema required(String name, String type, String description) {
        property(name, type, description);
        required.add(name);
        return this;
    }

    InputSchema optional(String name, String type, String description) {
        property(name, type, description);
        return this;
    }

    private void property(String name, String type, String description) {
        if (properties.has(name)) {
            throw new IllegalArgumentException("property '" + name + "' is defined twice");
        }
        properties.putObject(name).put("type", type).put("description", description);
    }

    ObjectNode build() {
        return schema.deepCopy();
    }
}
