package dev.ccd.daemon.store;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the writer's commits are failing, since when and why, and what it cost once they heal.
 * Logged once when the trouble starts and once when it ends, never per retry.
 *
 * <p>Threading: {@link #failed} and {@link #healed} are called by the writer thread alone; it
 * owns the counters. {@link #state} is read by any thread (a volatile snapshot).
 */
final class Trouble {

    private static final Logger log = LoggerFactory.getLogger(SqlWriter.class);

    /** Degraded since {@code since} because of {@code reason}. */
    record State(Instant since, String reason) {
    }

    /** What a healed trouble cost: becomes the {@code record_recovered} event. */
    record Recovery(String reason, double seconds, int retries, int writesWaited) {
    }

    private volatile State state;
    private long startNanos;
    private int retries;
    private int writesWaited;

    /** A commit failed with {@code reason} while {@code waiting} writes waited for it. */
    void failed(String reason, boolean severe, int waiting) {
        if (state == null) {
            state = new State(Instant.now(), reason);
            startNanos = System.nanoTime();
            retries = 0;
            writesWaited = waiting;
            if (severe) {
                log.error("ccd.db cannot commit: {}; {} writes are held and retried until it heals", reason, waiting);
            } else {
                log.warn("ccd.db cannot commit: {}; {} writes are held and retried until it heals", reason, waiting);
            }
            return;
        }
        retries++;
        writesWaited = Math.max(writesWaited, waiting);
    }

    /** A commit succeeded: the recovery, when there was trouble, else null. */
    Recovery healed(int waiting) {
        State was = state;
        if (was == null) {
            return null;
        }
        state = null;
        Recovery r = new Recovery(was.reason(), (System.nanoTime() - startNanos) / 1e9, retries,
                Math.max(writesWaited, waiting));
        log.info("ccd.db writes recovered after {} s, {} retries, {} writes waited (cause: {})",
                String.format("%.1f", r.seconds()), r.retries(), r.writesWaited(), r.reason());
        return r;
    }

    State state() {
        return state;
    }
}
