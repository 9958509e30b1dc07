package dev.ccd.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads newline-delimited messages from a stream. Each {@link #read()} returns one outcome per
 * line: a message, or a protocol error after which the stream stays usable.
 *
 * <p>Threading: one thread reads; {@link #protocolErrors()} may be read from any thread.
 * Invariant: a line is never longer than {@code maxLineBytes} in memory; a longer one is
 * discarded byte by byte up to its newline and reported as {@link ReadResult.LineTooLong}.
 * A trailing {@code \r} is dropped so that CRLF peers are understood.
 */
public final class MessageReader implements Closeable {

    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[64 * 1024];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[8 * 1024];
    private final AtomicLong protocolErrors = new AtomicLong();

    public MessageReader(InputStream in) {
        this(in, DEFAULT_MAX_LINE_BYTES);
    }

    public MessageReader(InputStream in, int maxLineBytes) {
        if (maxLineBytes < 64) {
            throw new IllegalArgumentException("maxLineBytes must be >= 64, got " + maxLineBytes);
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Blocks until a whole line, or the end of the stream, is read. Returns {@link
     * ReadResult.EndOfStream} at the end, and for every call after it.
     *
     * @throws IOException when the underlying stream fails (not for bad content)
     */
    public ReadResult read() throws IOException {
        int length = 0;
        long discarded = 0;
        while (true) {
            if (chunkPos == chunkEnd && !fill()) {
                int partial = (int) Math.min(Integer.MAX_VALUE, length + discarded);
                if (partial > 0) {
                    protocolErrors.incrementAndGet();
                }
                return new ReadResult.EndOfStream(partial);
            }
            int newline = indexOf(chunk, chunkPos, chunkEnd, (byte) '\n');
            int end = newline < 0 ? chunkEnd : newline;
            int count = end - chunkPos;
            if (discarded > 0 || length + count > maxLineBytes) {
                discarded += length + count;
                length = 0;
            } else {
                append(length, count);
                length += count;
            }
            chunkPos = newline < 0 ? chunkEnd : newline + 1;
            if (newline >= 0) {
                return finish(length, discarded);
            }
        }
    }

    private ReadResult finish(int length, long discarded) {
        ReadResult result;
        if (discarded > 0) {
            result = new ReadResult.LineTooLong(discarded, maxLineBytes);
        } else {
            if (length > 0 && line[length - 1] == '\r') {
                length--;
            }
            result = MessageCodec.decode(line, 0, length);
        }
        if (result.isProtocolError()) {
            protocolErrors.incrementAndGet();
        }
        return result;
    }

    /** Lines that were not a valid message, including a partial last line. */
    public long protocolErrors() {
        return protocolErrors.get();
    }

    public int maxLineBytes() {
        return maxLineBytes;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private boolean fill() throws IOException {
        int n = in.read(chunk, 0, chunk.length);
        if (n <= 0) {
            return false;
        }
        chunkPos = 0;
        chunkEnd = n;
        return true;
    }

    private void append(int length, int count) {
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, length + count)));
        }
        System.arraycopy(chunk, chunkPos, line, length, count);
    }

    private static int indexOf(byte[] bytes, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
