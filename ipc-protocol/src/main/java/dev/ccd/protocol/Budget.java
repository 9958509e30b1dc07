package dev.ccd.protocol;

/**
 * Spending limits of a run. A null limit is unlimited. Sent in {@code init} (inside the config),
 * in {@code resume} (the new budget the runner adopts) and in {@code paused_budget} (the budget
 * that was reached).
 */
public record Budget(Long maxTokens, Double maxCostUsd, Integer maxIterations) {
    public static final Budget UNLIMITED = new Budget(null, null, null);

    public Budget {
        if (maxTokens != null) {
            FieldException.nonNegative(maxTokens, "max_tokens");
        }
        if (maxCostUsd != null) {
            FieldException.nonNegative(maxCostUsd, "max_cost_usd");
        }
        if (maxIterations != null) {
            FieldException.nonNegative(maxIterations, "max_iterations");
        }
    }
}
