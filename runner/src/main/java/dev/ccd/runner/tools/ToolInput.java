package dev.ccd.runner.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.Excerpt;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A tool call's input, read strictly: a field of the wrong type or an unknown field is a {@link
 * ToolException} naming the field, never a guess. A JSON {@code null} counts as absent, since
 * models often send {@code null} for an optional field they mean to leave out.
 */
final class ToolInput {
    private final JsonNode node;

    /** Refuses input that is not an object or has fields {@code schema} does not define. */
    ToolInput(JsonNode input, ObjectNode schema) {
        if (input == null || input.isNull() || input.isMissingNode()) {
            node = schema.objectNode();
            return;
        }
        if (!input.isObject()) {
            throw new ToolException("input must be a JSON object, got " + excerpt(input));
        }
        JsonNode properties = schema.path("properties");
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> names = input.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!properties.has(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            List<String> allowed = new ArrayList<>();
            properties.fieldNames().forEachRemaining(allowed::add);
            throw new ToolException("unknown field" + (unknown.size() == 1 ? " '" : "s '")
                    + String.join("', '", unknown) + "'; allowed: " + String.join(", ", allowed));
        }
        node = input;
    }

    String requiredString(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new ToolException("field '" + field + "' is required (a string)"
                    + (absent(value) ? "" : ", got " + excerpt(value)));
        }
        return value.textValue();
    }

    String optionalString(String field, String otherwise) {
        JsonNode value = node.get(field);
        if (absent(value)) {
            return otherwise;
        }
        if (!value.isTextual()) {
            throw wrongType(field, "a string", value);
        }
        return value.textValue();
    }

    boolean optionalBoolean(String field, boolean otherwise) {
        JsonNode value = node.get(field);
        if (absent(value)) {
            return otherwise;
        }
        if (!value.isBoolean()) {
            throw wrongType(field, "true or false", value);
        }
        return value.booleanValue();
    }

    /** An integer in {@code [min, max]}; 3.0 counts as 3, "3" does not. */
    int optionalInt(String field, int otherwise, int min, int max) {
        JsonNode value = node.get(field);
        if (absent(value)) {
            return otherwise;
        }
        String allowed = "an integer from " + min + " to " + max;
        if (!value.isNumber() || !value.canConvertToExactIntegral()) {
            throw wrongType(field, allowed, value);
        }
        long number = value.asLong();
        if (!value.canConvertToLong() || number < min || number > max) {
            throw wrongType(field, allowed, value);
        }
        return (int) number;
    }

    OptionalDouble optionalNumber(String field) {
        JsonNode value = node.get(field);
        if (absent(value)) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw wrongType(field, "a number", value);
        }
        return OptionalDouble.of(value.doubleValue());
    }

    private static boolean absent(JsonNode value) {
        return value == null || value.isNull();
    }

    private static ToolException wrongType(String field, String allowed, JsonNode value) {
        return new ToolException("field '" + field + "' must be " + allowed + ", got " + excerpt(value));
    }

    private static String excerpt(JsonNode value) {
        return Excerpt.abbreviate(value.toString(), 60);
    }
}
