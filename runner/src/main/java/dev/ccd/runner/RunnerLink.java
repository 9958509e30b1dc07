package dev.ccd.runner;

import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageWriter;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's side of the pipe to the daemon: sends messages on stdout. A failed write means
 * the daemon is gone; it is logged once and later sends are dropped, since the stdin reader will
 * see the end of stream and stop the run. A message over the protocol's line limit is not sent
 * (the daemon would count it as a protocol error and drop it): the caller is told, and the pipe
 * stays usable.
 *
 * <p>Thread-safe: the agent loop, the stdin reader and task threads all send.
 */
public final class RunnerLink {
    private final MessageWriter writer;
    /** Set once by whichever thread first fails to write; read by every sender. */
    private volatile boolean broken;

    public RunnerLink(MessageWriter writer) {
        this.writer = writer;
    }

    /**
     * Sends a message.
     *
     * @return false when it was not sent: too large for the protocol (logged as an error), or
     *         the daemon is gone
     */
    public boolean send(Message message) {
        if (broken) {
            return false;
        }
        try {
            writer.send(message);
            return true;
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(RunnerLink.class).error("not sent: {}", e.getMessage());
            return false;
        } catch (IOException e) {
            broken = true;
            // looked up here, not in a static field: logging must not start before "ready"
            Logger log = LoggerFactory.getLogger(RunnerLink.class);
            log.warn("daemon pipe closed, dropping {} and later messages: {}",
                    message.getClass().getSimpleName(), e.getMessage());
            return false;
        }
    }
}
