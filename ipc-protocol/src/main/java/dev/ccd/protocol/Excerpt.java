package dev.ccd.protocol;

/**
 * Text cut to a bound, with an ellipsis, for logs, events, error messages and the model. The
 * bound is on the result: a text longer than {@code maxChars} comes back as exactly {@code
 * maxChars} characters or one fewer, {@value #ELLIPSIS} included. A cut never splits a surrogate
 * pair (it keeps one character fewer instead), so the result is still valid UTF-16.
 */
public final class Excerpt {
    public static final String ELLIPSIS = "...";

    private Excerpt() {
    }

    /**
     * The text itself when it has at most {@code maxChars} characters; else its start followed by
     * {@value #ELLIPSIS}, at most {@code maxChars} characters in all.
     *
     * @throws IllegalArgumentException {@code maxChars} is less than the ellipsis is long
     */
    public static String abbreviate(String text, int maxChars) {
        if (text.length() <= checked(maxChars)) {
            return text;
        }
        int keep = maxChars - ELLIPSIS.length();
        if (keep > 0 && Character.isHighSurrogate(text.charAt(keep - 1))) {
            keep--;
        }
        return text.substring(0, keep) + ELLIPSIS;
    }

    /**
     * The text itself when it has at most {@code maxChars} characters; else {@value #ELLIPSIS}
     * followed by its end, at most {@code maxChars} characters in all. For text whose latest part
     * matters most.
     *
     * @throws IllegalArgumentException {@code maxChars} is less than the ellipsis is long
     */
    public static String tail(String text, int maxChars) {
        if (text.length() <= checked(maxChars)) {
            return text;
        }
        int from = text.length() - (maxChars - ELLIPSIS.length());
        if (from < text.length() && Character.isLowSurrogate(text.charAt(from))) {
            from++;
        }
        return ELLIPSIS + text.substring(from);
    }

    private static int checked(int maxChars) {
        if (maxChars < ELLIPSIS.length()) {
            throw new IllegalArgumentException("maxChars must be >= " + ELLIPSIS.length() + ", got " + maxChars);
        }
        return maxChars;
    }
}
