package dev.ccd.daemon.store;

import java.time.Duration;

/**
 * The bounds of the {@link SqlWriter}: how many writes may wait, how long a control call waits
 * for room, how the writer backs off while the database refuses its commits, how often it
 * checkpoints the WAL, and when a reader that keeps the WAL from shrinking is reported. The
 * defaults are the daemon's; tests shorten them.
 */
record WriterSettings(int queueBound, Duration controlWait, Duration backoffMin, Duration backoffMax,
        Duration checkpointEvery, Duration readerWarnAfter, Duration closeGiveUp, int busyTimeoutMs) {

    /** Ten thousand writes is a few seconds of the fastest runner: room for bursts, bounded memory. */
    static final WriterSettings DEFAULTS = new WriterSettings(10_000, Duration.ofSeconds(5), Duration.ofMillis(50),
            Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(4), 5000);
}
