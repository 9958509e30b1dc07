package dev.ccd.runner.tools;

/**
 * Cuts long tool output down to a size the model can take, keeping the start and the end (where
 * commands print their errors and summaries) and saying how much was left out. Every tool and
 * {@link HeadTailBuffer} use the same split and the same notice, so the model learns one shape.
 */
final class Truncation {

    /** Share of the kept characters taken from the start; the rest comes from the end. */
    static final double HEAD_SHARE = 0.7;

    /** Room a notice needs whatever the count: callers keep this much free under their limit. */
    static final int NOTICE_RESERVE = notice(Long.MAX_VALUE).length();

    private Truncation() {
    }

    /**
     * {@code text} when it has at most {@code max} characters; otherwise its head and tail around
     * a notice, {@code max} characters at most in all.
     */
    static String limit(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int keep = Math.max(0, max - NOTICE_RESERVE);
        int head = headChars(keep);
        int tail = keep - head;
        return join(text.substring(0, head), text.length() - keep, text.substring(text.length() - tail));
    }

    /** How many of {@code keep} characters come from the start. */
    static int headChars(int keep) {
        return (int) (keep * HEAD_SHARE);
    }

    static String notice(long omitted) {
        return "\n[... " + omitted + " characters omitted ...]\n";
    }

    /**
     * Head, notice, tail. A surrogate pair cut in two at either edge is dropped whole, so the
     * result is still valid UTF-16 (and encodes to valid UTF-8 on the wire).
     */
    static String join(String head, long omitted, String tail) {
        long dropped = omitted;
        if (!head.isEmpty() && Character.isHighSurrogate(head.charAt(head.length() - 1))) {
            head = head.substring(0, head.length() - 1);
            dropped++;
        }
        if (!tail.isEmpty() && Character.isLowSurrogate(tail.charAt(0))) {
            tail = tail.substring(1);
            dropped++;
        }
        return head + notice(dropped) + tail;
    }
}
