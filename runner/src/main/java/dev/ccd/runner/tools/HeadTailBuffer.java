package dev.ccd.runner.tools;

/**
 * Collects text of unknown, possibly huge, length in bounded memory: the first characters up to
 * the head's capacity, then a ring of the latest characters, and a count of everything seen.
 *
 * <p>Threads: one producer (a process's output reader, or the caller itself) appends; any thread
 * may read. Every method is synchronized, so a reader sees a consistent head, tail and count even
 * while the producer is still running (a timed-out command's output so far).
 *
 * <p>Invariant: memory is {@code keepChars} characters whatever is appended; {@code total} counts
 * all characters appended, so the omitted count in the notice is exact.
 */
final class HeadTailBuffer {
    private final char[] head;
    private final char[] tail;
    private int headLength;
    // Next write position in the ring, and how many ring slots hold text.
    private int tailNext;
    private int tailLength;
    private long total;

    /** Keeps at most {@code keepChars} characters, split as {@link Truncation} splits. */
    HeadTailBuffer(int keepChars) {
        if (keepChars < 0) {
            throw new IllegalArgumentException("keepChars must be >= 0, got " + keepChars);
        }
        int headChars = Truncation.headChars(keepChars);
        head = new char[headChars];
        tail = new char[keepChars - headChars];
    }

    /** A buffer whose {@link #render()} fits in {@code maxChars} characters. */
    static HeadTailBuffer forLimit(int maxChars) {
        return new HeadTailBuffer(Math.max(0, maxChars - Truncation.NOTICE_RESERVE));
    }

    synchronized void append(char[] chars, int offset, int length) {
        total += length;
        int toHead = Math.min(length, head.length - headLength);
        System.arraycopy(chars, offset, head, headLength, toHead);
        headLength += toHead;
        offset += toHead;
        length -= toHead;
        if (length == 0 || tail.length == 0) {
            return;
        }
        // Only the last tail.length characters of this chunk can survive in the ring.
        if (length > tail.length) {
            offset += length - tail.length;
            length = tail.length;
        }
        int first = Math.min(length, tail.length - tailNext);
        System.arraycopy(chars, offset, tail, tailNext, first);
        System.arraycopy(chars, offset + first, tail, 0, length - first);
        tailNext = (tailNext + length) % tail.length;
        tailLength = Math.min(tail.length, tailLength + length);
    }

    synchronized void append(String text) {
        append(text.toCharArray(), 0, text.length());
    }

    /** Characters appended so far, kept or not. */
    synchronized long total() {
        return total;
    }

    synchronized boolean truncated() {
        return total > headLength + tailLength;
    }

    /** Everything appended when it all fit; otherwise head, notice and tail. */
    synchronized String render() {
        String start = new String(head, 0, headLength);
        int oldest = (tailNext - tailLength + tail.length) % Math.max(1, tail.length);
        StringBuilder end = new StringBuilder(tailLength);
        for (int i = 0; i < tailLength; i++) {
            end.append(tail[(oldest + i) % tail.length]);
        }
        if (!truncated()) {
            return start + end;
        }
        return Truncation.join(start, total - headLength - tailLength, end.toString());
    }
}
