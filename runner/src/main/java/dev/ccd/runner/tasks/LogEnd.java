package dev.ccd.runner.tasks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the end of a task's log without reading the whole of it: a log may hold tens of MiB, and
 * the model only gets the last few thousand characters.
 */
final class LogEnd {
    private static final int LINE_SEARCH = 500;

    private LogEnd() {
    }

    /**
     * The last {@code maxChars} characters of {@code log}, led by a notice naming the file when
     * earlier output was left out. Safe while the pump is still writing: it reads what is there.
     */
    static String read(Path log, int maxChars) throws IOException {
        long size;
        byte[] bytes;
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ)) {
            size = channel.size();
            // UTF-8 needs at most 4 bytes a character; reading no more bounds the memory too.
            long want = Math.min(size, 4L * maxChars);
            ByteBuffer buffer = ByteBuffer.allocate((int) want);
            long position = size - want;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position + buffer.position());
                if (n < 0) {
                    break;
                }
            }
            bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
        } catch (NoSuchFileException e) {
            return "[ccd: the log " + log + " is gone]";
        }
        int start = 0;
        boolean partial = bytes.length < size;
        // A UTF-8 sequence cut at the start of what was read: skip its continuation bytes.
        while (partial && start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
            start++;
        }
        String text = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
        if (text.length() > maxChars) {
            int from = text.length() - maxChars;
            if (Character.isLowSurrogate(text.charAt(from))) {
                from++;
            }
            // Start at a line boundary when one is near: a number cut to its last digits misleads.
            int newline = text.indexOf('\n', from);
            if (newline >= 0 && newline - from < LINE_SEARCH) {
                from = newline + 1;
            }
            text = text.substring(from);
            partial = true;
        }
        if (!partial) {
            return text;
        }
        return "[ccd: earlier output left out; showing the last " + text.length() + " characters of " + size
                + " bytes; the whole log is " + log + "]\n" + text;
    }
}
