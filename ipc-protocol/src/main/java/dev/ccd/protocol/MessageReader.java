package dev.ccd.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * Reads newline-delimited messages from a stream. Each {@link #read()} returns one outcome per
 * line: a message, or a protocol error after which the stream stays usable.
 *
 * <p>Threading: one thread reads; {@link #protocolErrors()} may be read from any thread.
 */
public final class MessageReader implements Closeable {

    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private final LineReader lines;
    private final AtomicLong protocolErrors = new AtomicLong();

    public MessageReader(InputStream in) {
        this(in, DEFAULT_MAX_LINE_BYTES);
    }

    public MessageReader(InputStream in, int maxLineBytes) {
        this.lines = new LineReader(in, maxLineBytes);
    }

    /**
     * Blocks until a whole line, or the end of the stream, is read. Returns {@link
     * ReadResult.EndOfStream} at the end, and for every call after it.
     *
     * @throws IOException when the underlying stream fails (not for bad content)
     */
    public ReadResult read() throws IOException {
        return read(null);
    }

    /**
     * As {@link #read()}, for the first line a runner reads: a well-formed init is decoded without
     * databind ({@link InitDecoder}); when the line is an {@code init}, the protocol it asks for
     * goes to {@code onInit} before anything slower is done with the line (see {@link Handshake}).
     */
    public ReadResult readInit(IntConsumer onInit) throws IOException {
        return read(onInit);
    }

    private ReadResult read(IntConsumer onInit) throws IOException {
        int length = lines.read();
        ReadResult result;
        if (length == LineReader.END) {
            result = new ReadResult.EndOfStream(lines.partialLength());
        } else if (length == LineReader.TOO_LONG) {
            result = new ReadResult.LineTooLong(lines.discardedLength(), lines.maxLineBytes());
        } else {
            Message.Init init = null;
            if (onInit != null) {
                // one parse for a well-formed init; the peek only for what the fast path leaves
                init = InitDecoder.decode(lines.buffer(), 0, length);
                int protocol = init != null ? init.protocol() : Handshake.initProtocol(lines.buffer(), 0, length);
                if (protocol >= 0) {
                    onInit.accept(protocol);
                }
            }
            result = init != null ? new ReadResult.Received(init) : MessageCodec.decode(lines.buffer(), 0, length);
        }
        if (result.isProtocolError()
                || (result instanceof ReadResult.EndOfStream end && end.partialLineBytes() > 0)) {
            protocolErrors.incrementAndGet();
        }
        return result;
    }

    /** Lines that were not a valid message, including a partial last line. */
    public long protocolErrors() {
        return protocolErrors.get();
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
