package dev.ccd.runner.tasks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The latest bytes of a task's output in a fixed ring, rendered as its last lines.
 *
 * <p>Threads: the task's pump thread appends; any thread renders. Both are synchronized.
 *
 * <p>Invariant: memory is {@code capacity} bytes whatever the output, so a task printing one
 * endless line (a progress bar, {@code yes | tr -d '\n'}) costs no more than one printing lines.
 */
final class ByteTail {
    /** The bound on a tail in bytes, whatever its line count. */
    static final int DEFAULT_CAPACITY = 8 * 1024;
    static final String CUT_MARK = "[...]";

    private final byte[] ring;
    private int next;
    private int length;
    private long total;

    ByteTail(int capacity) {
        if (capacity < 16) {
            throw new IllegalArgumentException("capacity must be >= 16, got " + capacity);
        }
        ring = new byte[capacity];
    }

    synchronized void append(byte[] bytes, int offset, int count) {
        total += count;
        if (count > ring.length) {
            offset += count - ring.length;
            count = ring.length;
        }
        int first = Math.min(count, ring.length - next);
        System.arraycopy(bytes, offset, ring, next, first);
        System.arraycopy(bytes, offset + first, ring, 0, count - first);
        next = (next + count) % ring.length;
        length = Math.min(ring.length, length + count);
    }

    /**
     * The last {@code maxLines} lines, without the final newline. A line the ring cut at its start
     * begins with {@value #CUT_MARK}; a line rewritten with carriage returns shows its last state,
     * as a terminal would.
     */
    String lastLines(int maxLines) {
        byte[] bytes;
        boolean cut;
        synchronized (this) {
            bytes = new byte[length];
            int oldest = (next - length + ring.length) % ring.length;
            int first = Math.min(length, ring.length - oldest);
            System.arraycopy(ring, oldest, bytes, 0, first);
            System.arraycopy(ring, 0, bytes, first, length - first);
            cut = total > length;
        }
        int start = 0;
        // A UTF-8 sequence the ring cut in two: its continuation bytes would decode as garbage.
        while (cut && start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
            start++;
        }
        String text = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - maxLines);
        List<String> lines = new ArrayList<>(all.length - from);
        for (int i = from; i < all.length; i++) {
            String line = all[i];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            lines.add(line.substring(line.lastIndexOf('\r') + 1));
        }
        if (cut && from == 0 && !lines.isEmpty()) {
            lines.set(0, CUT_MARK + lines.get(0));
        }
        return text.isEmpty() ? "" : String.join("\n", lines);
    }
}
