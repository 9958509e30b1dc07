package dev.ccd.daemon.store;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The bound on the writes waiting for the {@link SqlWriter}: one permit per write, taken by the
 * submitting thread, given back by the writer once the write's batch is done. A runner's reader
 * thread ({@code runner-reader-*}) waits for a permit as long as it takes: the daemon then stops
 * reading that runner's pipe, the runner blocks on its own writes, and nothing is dropped. Any
 * other thread (a control call) waits {@link WriterSettings#controlWait}, then is told why.
 *
 * <p>Threading: any thread may take permits; the writer thread gives them back.
 */
final class WriteRoom {

    private final Semaphore permits;
    private final WriterSettings settings;

    WriteRoom(WriterSettings settings) {
        this.settings = settings;
        this.permits = new Semaphore(settings.queueBound());
    }

    /** Takes a permit: null, or the exception that says why there is none ({@code cause} says what holds it). */
    IllegalStateException take(Supplier<String> cause) {
        if (permits.tryAcquire()) {
            return null;
        }
        try {
            if (Thread.currentThread().getName().startsWith(SqlWriter.RUNNER_READER_PREFIX)) {
                permits.acquire();
                return null;
            }
            if (permits.tryAcquire(settings.controlWait().toNanos(), TimeUnit.NANOSECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new IllegalStateException("interrupted while waiting for room among the ccd.db writes", e);
        }
        return new IllegalStateException("the ccd.db record is blocked: " + settings.queueBound()
                + " writes wait to be committed, " + cause.get());
    }

    void giveBack(int n) {
        if (n > 0) {
            permits.release(n);
        }
    }

    /** Once the writer is gone: whoever still waits wakes up (and is refused). */
    void openAll() {
        permits.release(Integer.MAX_VALUE / 2);
    }

    /** Writes submitted and not yet done. */
    int used() {
        return Math.max(0, settings.queueBound() - permits.availablePermits());
    }
}
