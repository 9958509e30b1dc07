package dev.ccd.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines of bounded length: the framing under {@link MessageReader},
 * also used for the daemon's JSON-RPC socket. A line longer than the limit is never held in
 * memory: its bytes are discarded up to its newline and it is reported as too long. A trailing
 * {@code \r} is dropped so that CRLF peers are understood.
 *
 * <p>Threading: one thread reads. The bytes of a line stay valid until the next read.
 */
public final class LineReader implements Closeable {

    /** {@link #read()} result: the stream ended; {@link #partialLength()} tells of a cut line. */
    public static final int END = -1;
    /** {@link #read()} result: the line was over the limit; {@link #discardedLength()} is its length. */
    public static final int TOO_LONG = -2;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk;
    private int chunkPos;
    private int chunkEnd;
    private byte[] line;
    /** Size the line buffer goes back to after a longer line; 0: it keeps what it grew to. */
    private final int compactTo;
    private long discarded;
    private int partial;

    public LineReader(InputStream in, int maxLineBytes) {
        this(in, maxLineBytes, 64 * 1024, 8 * 1024, 0);
    }

    /**
     * A reader that holds little while idle, for one of many connections: a read chunk and a line
     * buffer of {@code bufferBytes} each; a line buffer grown for a longer line is given back at
     * the next {@link #read()}, so a single big request does not stay on the heap.
     */
    public static LineReader compact(InputStream in, int maxLineBytes, int bufferBytes) {
        if (bufferBytes < 64) {
            throw new IllegalArgumentException("bufferBytes must be >= 64, got " + bufferBytes);
        }
        return new LineReader(in, maxLineBytes, bufferBytes, bufferBytes, bufferBytes);
    }

    private LineReader(InputStream in, int maxLineBytes, int chunkBytes, int lineBytes, int compactTo) {
        if (maxLineBytes < 64) {
            throw new IllegalArgumentException("maxLineBytes must be >= 64, got " + maxLineBytes);
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.chunk = new byte[chunkBytes];
        this.line = new byte[lineBytes];
        this.compactTo = compactTo;
    }

    /**
     * Blocks until a whole line is read. Returns its length (the bytes are in {@link #buffer()}
     * from index 0), {@link #TOO_LONG} or {@link #END}; {@link #END} again for every later call.
     */
    public int read() throws IOException {
        if (compactTo > 0 && line.length > compactTo) {
            line = new byte[compactTo];
        }
        int length = 0;
        discarded = 0;
        partial = 0;
        while (true) {
            if (chunkPos == chunkEnd && !fill()) {
                partial = (int) Math.min(Integer.MAX_VALUE, length + discarded);
                return END;
            }
            int newline = indexOfNewline(chunkPos, chunkEnd);
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
                if (discarded > 0) {
                    return TOO_LONG;
                }
                return length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            }
        }
    }

    public byte[] buffer() {
        return line;
    }

    /** Length of the over-long line the last {@link #read()} discarded. */
    public long discardedLength() {
        return discarded;
    }

    /** Length of the unterminated last line when {@link #read()} returned {@link #END}, else 0. */
    public int partialLength() {
        return partial;
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

    private int indexOfNewline(int from, int to) {
        for (int i = from; i < to; i++) {
            if (chunk[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
