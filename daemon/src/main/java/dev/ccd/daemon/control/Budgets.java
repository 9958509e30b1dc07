package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Budget params: {@code max_tokens} and {@code max_cost_usd} as numbers, or the string
 * {@code "unlimited"} where no limit is wanted. Unlimited must be asked for in words: a missing
 * value means "the default", which for unattended runs is a limit
 * ({@link #DEFAULT_MAX_TOKENS}, {@link #DEFAULT_MAX_COST_USD}).
 */
final class Budgets {
    static final long DEFAULT_MAX_TOKENS = 2_000_000;
    static final double DEFAULT_MAX_COST_USD = 5.0;
    static final String UNLIMITED = "unlimited";

    /** A limit the params gave: {@code value} null means unlimited. */
    record Limit<T>(T value) {
    }

    private Budgets() {
    }

    /** The token limit the params give, or null when they give none. */
    static Limit<Long> tokens(Params p) throws RpcException {
        if (isUnlimited(p, "max_tokens")) {
            return new Limit<>(null);
        }
        Long v = p.optionalLong("max_tokens", 1, Long.MAX_VALUE);
        return v == null ? null : new Limit<>(v);
    }

    /** The cost limit the params give, or null when they give none. */
    static Limit<Double> cost(Params p) throws RpcException {
        if (isUnlimited(p, "max_cost_usd")) {
            return new Limit<>(null);
        }
        Double v = p.optionalDouble("max_cost_usd", 0, 1e9);
        return v == null ? null : new Limit<>(v);
    }

    /** The iteration limit the params give (a null value: unlimited), or null when they give none. */
    static Limit<Integer> iterationLimit(Params p) throws RpcException {
        if (isUnlimited(p, "max_iterations")) {
            return new Limit<>(null);
        }
        Integer v = p.optionalInt("max_iterations", 1, Integer.MAX_VALUE);
        return v == null ? null : new Limit<>(v);
    }

    /** The iteration limit the params give: null when none or {@code "unlimited"}. */
    static Integer iterations(Params p) throws RpcException {
        return isUnlimited(p, "max_iterations") ? null : p.optionalInt("max_iterations", 1, Integer.MAX_VALUE);
    }

    private static boolean isUnlimited(Params p, String field) throws RpcException {
        JsonNode v = p.get(field);
        if (v != null && v.isTextual()) {
            if (!v.textValue().equals(UNLIMITED)) {
                throw p.invalid(field, "is '" + v.textValue() + "'; expected a number or \"" + UNLIMITED + "\"");
            }
            return true;
        }
        return false;
    }
}
