package dev.ccd.daemon.bench;

import dev.ccd.process.ProcessTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Small measuring helpers for the benchmarks: busy-wait timing, medians, /proc readings. */
final class Measure {
    private Measure() {
    }

    /** Nanoseconds until {@code done} holds, checking every ~0.2 ms; -1 after {@code maxMs}. */
    static long until(long startNanos, BooleanSupplier done, long maxMs) {
        return until(startNanos, done, maxMs, 0);
    }

    /** As above, checking every {@code stepMs} (0: every ~0.2 ms). */
    static long until(long startNanos, BooleanSupplier done, long maxMs, long stepMs) {
        long deadline = startNanos + maxMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) {
                return System.nanoTime() - startNanos;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(stepMs == 0 ? 200_000 : stepMs * 1_000_000);
        }
        // a stalled measurement must not enter a median as a tiny figure
        throw new IllegalStateException("not done within " + maxMs + " ms");
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    static String summary(List<Double> ms) {
        double[] sorted = ms.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return String.format("median %.1f ms (min %.1f, max %.1f, n=%d)", median(ms), sorted[0],
                sorted[sorted.length - 1], sorted.length);
    }

    static boolean gone(long pid) {
        return ProcessHandle.of(pid).map(p -> !ProcessTree.running(p)).orElse(true);
    }

    /** A field of /proc/PID/smaps_rollup (e.g. Rss, Pss), in KiB. */
    static long smaps(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
