package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Encodes messages to compact JSON lines and decodes lines to {@link ReadResult}s. Stateless and
 * thread-safe. Decoding is strict where a lenient reader would hide a bug on the other side:
 * no string-to-number or number-to-string coercion, no null for numbers, no trailing content;
 * unknown fields are ignored so that a newer peer may add optional ones.
 */
public final class MessageCodec {

    private static final ObjectMapper MAPPER = newMapper();
    private static final ObjectReader MESSAGE_READER = MAPPER.readerFor(Message.class);
    private static final ObjectReader TREE_READER = MAPPER.readerFor(JsonNode.class);
    private static final ObjectWriter MESSAGE_WRITER = MAPPER.writerFor(Message.class);
    private static final Set<String> KNOWN_OPS = Arrays.stream(
                    Message.class.getAnnotation(JsonSubTypes.class).value())
            .map(JsonSubTypes.Type::name)
            .collect(Collectors.toUnmodifiableSet());
    private static final Pattern MISSING_PROPERTY =
            Pattern.compile("Missing required creator property '([^']+)'");
    private static final int EXCERPT_CHARS = 200;

    private MessageCodec() {
    }

    /**
     * The mapper the protocol uses (snake_case, strict scalars). Shared so that other code building
     * JSON for the wire (tool inputs, say) writes it the same way; do not reconfigure it.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The op names this version knows. */
    public static Set<String> knownOps() {
        return KNOWN_OPS;
    }

    /** One message as compact UTF-8 JSON, without the trailing newline. */
    public static byte[] encode(Message message) {
        try {
            return MESSAGE_WRITER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot encode " + message, e);
        }
    }

    public static String encodeToString(Message message) {
        return new String(encode(message), StandardCharsets.UTF_8);
    }

    public static ReadResult decode(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes one line (without its newline) of UTF-8 bytes. Never throws. */
    public static ReadResult decode(byte[] buf, int off, int len) {
        if (len == 0) {
            return new ReadResult.InvalidJson("empty line", "");
        }
        try {
            return new ReadResult.Received(MESSAGE_READER.readValue(buf, off, len));
        } catch (IOException e) {
            return classify(e, buf, off, len);
        }
    }

    /**
     * The slow path: find out what was wrong. The line is parsed again as a tree, which tells an
     * unparseable line from an unknown op from a bad field of a known op.
     */
    private static ReadResult classify(IOException failure, byte[] buf, int off, int len) {
        String excerpt = excerpt(buf, off, len);
        JsonNode tree;
        try {
            tree = TREE_READER.readValue(buf, off, len);
        } catch (IOException e) {
            return new ReadResult.InvalidJson(firstLine(e), excerpt);
        }
        if (tree == null || !tree.isObject()) {
            return new ReadResult.InvalidJson(
                    "expected a JSON object, got " + (tree == null ? "nothing" : tree.getNodeType()),
                    excerpt);
        }
        JsonNode opNode = tree.get("op");
        if (opNode == null || opNode.isNull()) {
            return new ReadResult.InvalidFields("(none)", "op", "is required");
        }
        if (!opNode.isTextual()) {
            return new ReadResult.InvalidFields("(none)", "op", "must be a string, got " + opNode.getNodeType());
        }
        String op = opNode.textValue();
        if (!KNOWN_OPS.contains(op) || failure instanceof InvalidTypeIdException) {
            return new ReadResult.UnknownOp(op, tree);
        }
        return invalidField(op, tree, failure);
    }

    private static ReadResult invalidField(String op, JsonNode tree, IOException failure) {
        Throwable cause = failure instanceof ValueInstantiationException ? failure.getCause() : null;
        if (cause instanceof FieldException field) {
            String path = qualified(failure, field.field());
            JsonNode value = tree.at("/" + path.replace('.', '/'));
            // Jackson hands an enum's creator any scalar as its text: 5 where a status word
            // belongs is of the wrong type, not an unknown word
            if (((ValueInstantiationException) failure).getType().isEnumType() && value.isValueNode()
                    && !value.isTextual()) {
                return new ReadResult.InvalidFields(op, path, "must be a string, got " + shortly(value));
            }
            String detail = field.getMessage().substring(("field '" + field.field() + "' ").length());
            return new ReadResult.InvalidFields(op, path, detail);
        }
        String message = failure instanceof JsonMappingException mapping
                ? mapping.getOriginalMessage()
                : failure.getMessage();
        Matcher missing = MISSING_PROPERTY.matcher(message == null ? "" : message);
        if (missing.find()) {
            return new ReadResult.InvalidFields(op, pathOf(failure, missing.group(1)), "is required");
        }
        String path = pathOf(failure, "?");
        if (failure instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            JsonNode value = tree.at("/" + path.replace('.', '/'));
            return new ReadResult.InvalidFields(op, path,
                    "must be " + expected(mismatch.getTargetType()) + ", got " + shortly(value));
        }
        return new ReadResult.InvalidFields(op, path, firstLine(message));
    }

    private static String expected(Class<?> type) {
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "a boolean";
        }
        if (type == String.class || type.isEnum()) {
            return "a string";
        }
        return "an object";
    }

    private static String shortly(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        if (value.isNull()) {
            return "null";
        }
        return value.getNodeType().name().toLowerCase(Locale.ROOT) + " " + Excerpt.abbreviate(value.toString(), 40);
    }

    /**
     * A record's own check names its field from where the record stands ({@code max_tokens} in
     * a budget); the full path says where that record was ({@code config.budget.max_tokens}). A
     * value's own check (a status word) fails at the field itself, whose path is already whole.
     */
    private static String qualified(IOException failure, String field) {
        String at = pathOf(failure, "?");
        if ("?".equals(at) || field.equals(at) || field.startsWith(at + ".")) {
            return field;
        }
        if (at.endsWith("." + field)) {
            return at;
        }
        return at + "." + field;
    }

    /** The dotted path of the failing field, e.g. {@code config.budget.max_tokens}. */
    private static String pathOf(IOException failure, String leaf) {
        if (!(failure instanceof JsonMappingException mapping)) {
            return leaf;
        }
        String path = mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        if (path.isEmpty()) {
            return leaf;
        }
        return "?".equals(leaf) || path.endsWith(leaf) ? path : path + "." + leaf;
    }

    private static String firstLine(Throwable e) {
        return firstLine(e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String excerpt(byte[] buf, int off, int len) {
        String text = new String(buf, off, Math.min(len, EXCERPT_CHARS * 4), StandardCharsets.UTF_8);
        return Excerpt.abbreviate(text, EXCERPT_CHARS);
    }

    private static ObjectMapper newMapper() {
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        // A peer that sends "5" for 5, or 1 for true, has a bug: refuse rather than guess.
        // (Integer to floating point is no coercion: 3 is a fine duration.)
        refuse(mapper, LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.Float,
                CoercionInputShape.Boolean);
        refuse(mapper, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.Boolean);
        refuse(mapper, LogicalType.Boolean, CoercionInputShape.String, CoercionInputShape.Integer,
                CoercionInputShape.Float);
        refuse(mapper, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean);
        return mapper;
    }

    private static void refuse(JsonMapper mapper, LogicalType target, CoercionInputShape... shapes) {
        for (CoercionInputShape shape : shapes) {
            mapper.coercionConfigFor(target).setCoercion(shape, CoercionAction.Fail);
        }
    }
}
