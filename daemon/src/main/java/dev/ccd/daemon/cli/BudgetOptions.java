package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;

/** {@code --max-tokens} and {@code --max-cost}: a number, or the word {@code unlimited}. */
final class BudgetOptions {
    private BudgetOptions() {
    }

    static void put(ObjectNode params, String field, String option, String value, boolean integer) {
        if (value == null) {
            return;
        }
        if (value.equals("unlimited")) {
            params.put(field, "unlimited");
            return;
        }
        try {
            BigDecimal number = new BigDecimal(value);
            if (integer) {
                params.put(field, number.longValueExact());
            } else {
                params.put(field, number.doubleValue());
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CliException(ExitCodes.USAGE, option + " is '" + value + "'; expected "
                    + (integer ? "a whole number of tokens" : "an amount in US dollars") + " or 'unlimited'");
        }
    }
}
