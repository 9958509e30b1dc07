package dev.ccd.runner.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Writes a run's checkpoints and keeps what they cost (the last 1,024 durations, the sizes), said
 * in the run's log when it ends. A checkpoint that cannot be written is told once; the run goes
 * on, it only could not be resumed from there.
 *
 * <p>Used by the agent loop thread only.
 */
final class Checkpoints {
    private static final int KEPT = 1024;

    private final Path dir;
    private final Consumer<String> notice;
    private final long[] nanos = new long[KEPT];
    private int written;
    private long lastBytes;
    private long largestBytes;
    private boolean warned;

    Checkpoints(Path dir, Consumer<String> notice) {
        this.dir = dir;
        this.notice = notice;
    }

    void write(Checkpoint checkpoint) {
        long start = System.nanoTime();
        try {
            lastBytes = checkpoint.write(dir);
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                notice.accept("the checkpoint could not be written in " + dir + " (" + e.getMessage()
                        + "): this run cannot be resumed from here");
            }
            return;
        }
        nanos[written++ % KEPT] = System.nanoTime() - start;
        largestBytes = Math.max(largestBytes, lastBytes);
    }

    /** E.g. "1000 checkpoints, median 0.41 ms, max 3.20 ms (last 1024), last 48211 bytes, largest 61022 bytes". */
    String summary() {
        if (written == 0) {
            return "no checkpoint written";
        }
        long[] kept = Arrays.copyOf(nanos, Math.min(written, KEPT));
        Arrays.sort(kept);
        return String.format(Locale.ROOT, "%d checkpoints, median %.2f ms, max %.2f ms (last %d), last %d bytes,"
                + " largest %d bytes", written, kept[kept.length / 2] / 1e6, kept[kept.length - 1] / 1e6, kept.length,
                lastBytes, largestBytes);
    }
}
