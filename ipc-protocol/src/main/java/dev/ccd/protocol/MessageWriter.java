package dev.ccd.protocol;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes messages as newline-terminated lines, flushed one by one so that the peer sees each
 * message at once. Thread-safe: {@link #send} is atomic per message, so lines of concurrent
 * senders never interleave.
 */
public final class MessageWriter implements Closeable {

    private final OutputStream out;
    private final int maxLineBytes;

    public MessageWriter(OutputStream out) {
        this(out, MessageReader.DEFAULT_MAX_LINE_BYTES);
    }

    public MessageWriter(OutputStream out, int maxLineBytes) {
        this.out = new BufferedOutputStream(out, 16 * 1024);
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Sends one message.
     *
     * @throws IllegalArgumentException when the encoded message is longer than the line limit:
     *     the peer would discard it, so it is refused here, where the caller can still shorten it
     * @throws IOException when the stream is closed or broken
     */
    public void send(Message message) throws IOException {
        // ready without databind: the handshake must not wait for the mapper to be built
        byte[] bytes = message instanceof Message.Ready ready ? Handshake.ready(ready) : MessageCodec.encode(message);
        if (bytes.length > maxLineBytes) {
            throw new IllegalArgumentException(message.getClass().getSimpleName() + " is "
                    + bytes.length + " bytes encoded, over the line limit of " + maxLineBytes);
        }
        synchronized (this) {
            out.write(bytes);
            out.write('\n');
            out.flush();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
