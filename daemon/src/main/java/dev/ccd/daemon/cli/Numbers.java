package dev.ccd.daemon.cli;

import java.math.BigDecimal;

/**
 * Numeric options read as typed, checked against their range, with errors that quote the option
 * and the value and say the range in plain digits: {@code --interval -5: must be 0 to 86400
 * seconds}. Options are strings to picocli so that no Java type name reaches the user.
 */
final class Numbers {
    static final String UNLIMITED = "unlimited";

    private Numbers() {
    }

    /** A decimal number of {@code unit} in [min, max]; null when the option was not given. */
    static Double decimal(String option, String value, double min, double max, String unit) {
        if (value == null) {
            return null;
        }
        BigDecimal number = parse(option, value, min, max, unit);
        if (number.compareTo(BigDecimal.valueOf(min)) < 0 || number.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw outOfRange(option, value, min, max, unit);
        }
        return number.doubleValue();
    }

    /** A whole number of {@code unit} in [min, max]; null when the option was not given. */
    static Long whole(String option, String value, long min, long max, String unit) {
        if (value == null) {
            return null;
        }
        BigDecimal number = parse(option, value, min, max, unit);
        try {
            long v = number.longValueExact();
            if (v < min || v > max) {
                throw outOfRange(option, value, min, max, unit);
            }
            return v;
        } catch (ArithmeticException e) {
            throw new CliException(ExitCodes.USAGE, option + " " + value + ": must be a whole number of " + unit
                    + " (" + range(min, max) + ")");
        }
    }

    /** A limit: {@code unlimited}, or a whole number in [min, max]; null when not given. */
    static Object wholeOrUnlimited(String option, String value, long min, long max, String unit) {
        try {
            return UNLIMITED.equals(value) ? UNLIMITED : whole(option, value, min, max, unit);
        } catch (CliException e) {
            throw new CliException(e.exitCode(), e.getMessage() + ", or 'unlimited'");
        }
    }

    /** A limit: {@code unlimited}, or a decimal number in [min, max]; null when not given. */
    static Object decimalOrUnlimited(String option, String value, double min, double max, String unit) {
        try {
            return UNLIMITED.equals(value) ? UNLIMITED : decimal(option, value, min, max, unit);
        } catch (CliException e) {
            throw new CliException(e.exitCode(), e.getMessage() + ", or 'unlimited'");
        }
    }

    /** A number in plain digits: 1000000000, not 1.0E9. */
    static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static BigDecimal parse(String option, String value, double min, double max, String unit) {
        try {
            return new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            throw new CliException(ExitCodes.USAGE, option + " " + value + ": must be a number of " + unit
                    + " (" + range(min, max) + ")");
        }
    }

    private static CliException outOfRange(String option, String value, double min, double max, String unit) {
        return new CliException(ExitCodes.USAGE, option + " " + value + ": must be " + (max >= Long.MAX_VALUE
                ? "at least " + plain(min) + " (" + unit + ")" : range(min, max) + " " + unit));
    }

    private static String range(double min, double max) {
        return max >= Long.MAX_VALUE ? "at least " + plain(min) : plain(min) + " to " + plain(max);
    }
}
