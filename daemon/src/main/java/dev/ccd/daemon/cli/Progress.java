package dev.ccd.daemon.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Dots on a terminal while a call to the daemon takes its time (a stop waits for its runner's
 * ladder, a start for its handshake): nothing for a quick answer, then {@code "stopping
 * agent..."} growing a dot each half second, and the line ended when the answer comes.
 *
 * <p>Threading: one daemon thread per wait; {@link #close} ends it and waits for it.
 */
final class Progress implements AutoCloseable {
    static final Duration QUIET = Duration.ofMillis(600);
    static final Duration DOT = Duration.ofMillis(500);

    private static final Progress NONE = new Progress(null, null, null);

    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread thread;

    private Progress(PrintWriter err, String what, Duration quiet) {
        this.thread = err == null ? null : new Thread(() -> run(err, what, quiet), "progress");
    }

    /** Shows progress on {@code err} for a wait that lasts longer than {@code quiet}. */
    static Progress start(PrintWriter err, String what, Duration quiet) {
        Progress progress = new Progress(err, what, quiet);
        progress.thread.setDaemon(true);
        progress.thread.start();
        return progress;
    }

    /** No progress at all: stderr is not a terminal, or the call has nothing to wait for. */
    static Progress none() {
        return NONE;
    }

    private void run(PrintWriter err, String what, Duration quiet) {
        try {
            if (done.await(quiet.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            err.print(what + "...");
            err.flush();
            while (!done.await(DOT.toMillis(), TimeUnit.MILLISECONDS)) {
                err.print('.');
                err.flush();
            }
            err.println();
            err.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        done.countDown();
        if (thread != null) {
            try {
                thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
