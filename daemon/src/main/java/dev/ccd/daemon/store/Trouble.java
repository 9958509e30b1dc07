package dev.ccd.daemon.store;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the writer's commits are failing, since when and why, and what it cost once they heal.
 * Logged once when the trouble starts and once when it ends, never per retry. A nearly full disk
 * lets some commits through between failures: one commit is not a recovery. The trouble ends
 * once commits succeed for {@code confirmNanos} without a failure, or nothing is left waiting.
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

    private final long confirmNanos;
    private volatile State state;
    private long startNanos;
    /** When commits began to succeed again, or 0 while they fail. */
    private long healingSince;
    private int retries;
    private int writesWaited;

    Trouble(long confirmNanos) {
        this.confirmNanos = confirmNanos;
    }

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
        healingSince = 0;
        writesWaited = Math.max(writesWaited, waiting);
    }

    /**
     * A commit succeeded ({@code drained}: and nothing else waits), or the writer is idle after
     * one ({@code waiting} 0, {@code drained}): the recovery once confirmed, else null.
     */
    Recovery committed(int waiting, boolean drained) {
        State was = state;
        if (was == null) {
            return null;
        }
        long now = System.nanoTime();
        writesWaited = Math.max(writesWaited, waiting);
        if (healingSince == 0) {
            healingSince = now;
        }
        if (!drained && now - healingSince < confirmNanos) {
            return null;
        }
        state = null;
        Recovery r = new Recovery(was.reason(), (healingSince - startNanos) / 1e9, retries,
                writesWaited);
        log.info("ccd.db writes recovered after {} s, {} retries, {} writes waited (cause: {})",
                String.format("%.1f", r.seconds()), r.retries(), r.writesWaited(), r.reason());
        return r;
    }

    /** Commits succeed again, not yet for long enough to call it healed. */
    boolean healing() {
        return state != null && healingSince != 0;
    }

    State state() {
        return state;
    }
}
