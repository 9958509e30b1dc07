package dev.ccd.daemon.supervisor;

import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.protocol.ReadResult;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipe to one runner: messages out on its stdin, and the thread that reads its stdout.
 *
 * <p>Threads: the reader thread ({@code runner-reader-RUN}) owns the {@link MessageReader} and
 * hands every outcome to the listener, in order. {@link #send} and {@link #closeStdin} may be
 * called from any thread; {@link MessageWriter} keeps concurrent lines whole.
 */
final class RunnerPipe {
    private static final Logger log = LoggerFactory.getLogger(RunnerPipe.class);

    private final String runId;
    private final MessageWriter stdin;
    private final MessageReader stdout;
    /** Completes when the reader has seen the end of the runner's stdout (or failed). */
    final CompletableFuture<Void> readerDone = new CompletableFuture<>();
    /** Set once stdin is closed, by us or by a failed write; read by every sender. */
    private volatile String closedBecause;

    RunnerPipe(String runId, ManagedProcess process) {
        this.runId = runId;
        this.stdin = new MessageWriter(process.stdin());
        this.stdout = new MessageReader(process.stdout());
    }

    long protocolErrors() {
        return stdout.protocolErrors();
    }

    /** Starts the reader thread; every outcome goes to {@code listener} on that thread. */
    void startReading(Consumer<ReadResult> listener) {
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    ReadResult result = stdout.read();
                    listener.accept(result);
                    if (result instanceof ReadResult.EndOfStream) {
                        return;
                    }
                }
            } catch (IOException e) {
                log.debug("{} - runner stdout failed: {}", runId, e.getMessage());
            } catch (RuntimeException e) {
                log.error("{} - reader failed", runId, e);
            } finally {
                readerDone.complete(null);
            }
        }, "runner-reader-" + runId);
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether a message sent now could reach the runner. */
    boolean open() {
        return closedBecause == null;
    }

    /** Sends one message; says why when it did not reach the runner's stdin. */
    Delivery send(Message message) {
        String op = message.getClass().getSimpleName();
        String closed = closedBecause;
        if (closed != null) {
            return Delivery.failed("the runner's input is closed (" + closed + ")");
        }
        try {
            stdin.send(message);
            return Delivery.DELIVERED;
        } catch (IllegalArgumentException e) {
            // over the line limit: the runner would refuse it; the pipe stays usable
            log.warn("{} - not sending {}: {}", runId, op, e.getMessage());
            return Delivery.failed(e.getMessage());
        } catch (IOException e) {
            closedBecause = "the runner has closed it: " + e.getMessage();
            log.debug("{} - cannot send {}: {}", runId, op, e.getMessage());
            return Delivery.failed("the runner's input is closed (" + closedBecause + ")");
        }
    }

    /** Closing stdin is part of every stop: a runner blocked reading it sees the end at once. */
    void closeStdin(String why) {
        if (closedBecause == null) {
            closedBecause = why;
        }
        try {
            stdin.close();
        } catch (IOException e) {
            log.debug("{} - closing stdin: {}", runId, e.getMessage());
        }
    }
}
