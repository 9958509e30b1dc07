package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code --max-tokens} and {@code --max-cost}: a number, or the word {@code unlimited}. */
final class BudgetOptions {
    private BudgetOptions() {
    }

    static void put(ObjectNode params, String field, String option, String value, boolean integer) {
        Object limit = integer ? Numbers.wholeOrUnlimited(option, value, 1, Long.MAX_VALUE, "tokens")
                : Numbers.decimalOrUnlimited(option, value, 0, 1e9, "US dollars");
        if (limit instanceof Long n) {
            params.put(field, n);
        } else if (limit instanceof Double d) {
            params.put(field, d);
        } else if (limit != null) {
            params.put(field, (String) limit);
        }
    }
}
