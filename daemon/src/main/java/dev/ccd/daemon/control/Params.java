package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * Typed access to a request's {@code params} object. Every accessor checks the type and range
 * and throws an invalid-params error that names the field, the value and what is allowed.
 */
final class Params {
    private final ObjectNode node;
    /** Where values the request leaves out come from, first match wins: (values, source name). */
    private final java.util.List<java.util.Map.Entry<ObjectNode, String>> layers = new java.util.ArrayList<>();

    Params(JsonNode params) throws RpcException {
        if (params == null || params.isNull() || params.isMissingNode()) {
            this.node = JsonNodeFactory.instance.objectNode();
        } else if (params.isObject()) {
            this.node = (ObjectNode) params;
        } else {
            throw new RpcException(RpcException.INVALID_PARAMS, "invalid params: expected an object of named params, got "
                    + params.getNodeType().name().toLowerCase(java.util.Locale.ROOT), "params");
        }
    }

    /**
     * Values the request leaves out are taken from {@code values} (config.json, a template's front
     * matter), after the layers added before; errors about such a value name its source.
     */
    Params withDefaults(ObjectNode values, String source) {
        layers.add(java.util.Map.entry(values, source));
        return this;
    }

    /** The request's value, else the first default's; null when none has one. */
    JsonNode get(String field) {
        int source = source(field);
        return source < 0 ? null : source == 0 ? node.get(field) : layers.get(source - 1).getKey().get(field);
    }

    /**
     * Where a field's value comes from: 0 the request, 1 the first defaults layer, and so on;
     * -1 when no layer has it.
     */
    int source(String field) {
        JsonNode v = node.get(field);
        if (v != null && !v.isNull()) {
            return 0;
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).getKey().hasNonNull(field)) {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Every value of a field with its source (0 the request, then the layers in order), for the
     * lists that layers add up instead of overriding.
     */
    java.util.List<java.util.Map.Entry<JsonNode, Integer>> everyValue(String field) {
        java.util.List<java.util.Map.Entry<JsonNode, Integer>> values = new java.util.ArrayList<>();
        if (node.hasNonNull(field)) {
            values.add(java.util.Map.entry(node.get(field), 0));
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).getKey().hasNonNull(field)) {
                values.add(java.util.Map.entry(layers.get(i).getKey().get(field), i + 1));
            }
        }
        return values;
    }

    RpcException invalid(String field, String problem) {
        return invalidAt(source(field), field, problem);
    }

    /** An error about the value that {@code source} (see {@link #source}) gives the field, naming that source. */
    RpcException invalidAt(int source, String field, String problem) {
        if (source > 0) {
            return new RpcException(RpcException.INVALID_PARAMS, layers.get(source - 1).getValue() + ": '" + field + "' "
                    + problem, field);
        }
        return RpcException.invalidParam(field, problem);
    }

    String requiredString(String field) throws RpcException {
        String value = optionalString(field);
        if (value == null || value.isEmpty()) {
            throw invalid(field, "is required (a non-empty string)");
        }
        return value;
    }

    String optionalString(String field) throws RpcException {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(field, "must be a string, got " + v);
        }
        return v.textValue();
    }

    String oneOf(String field, String fallback, Set<String> allowed) throws RpcException {
        String value = optionalString(field);
        if (value == null) {
            return fallback;
        }
        if (!allowed.contains(value)) {
            throw invalid(field, "is '" + value + "'; expected one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return value;
    }

    boolean requiredBool(String field) throws RpcException {
        if (get(field) == null) {
            throw invalid(field, "is required (true or false)");
        }
        return bool(field, false);
    }

    boolean bool(String field, boolean fallback) throws RpcException {
        JsonNode v = get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw invalid(field, "must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    /** An integer in [min, max], or null when absent. */
    Long optionalLong(String field, long min, long max) throws RpcException {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw invalid(field, "must be an integer from " + min + " to " + max + ", got " + v);
        }
        return v.longValue();
    }

    Integer optionalInt(String field, int min, int max) throws RpcException {
        Long v = optionalLong(field, min, max);
        return v == null ? null : v.intValue();
    }

    long longValue(String field, long fallback, long min, long max) throws RpcException {
        Long v = optionalLong(field, min, max);
        return v == null ? fallback : v;
    }

    /** A finite number in [min, max], or null when absent. */
    Double optionalDouble(String field, double min, double max) throws RpcException {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() < min || v.doubleValue() > max) {
            throw invalid(field, "must be a number from " + plain(min) + " to " + plain(max) + ", got "
                    + (v.isNumber() ? plain(v.doubleValue()) : v.toString()));
        }
        return v.doubleValue();
    }

    /** A number as people write it: 86400, not 86400.0; 1000000000, not 1.0E9. */
    static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
