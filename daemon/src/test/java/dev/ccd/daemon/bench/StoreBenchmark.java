package dev.ccd.daemon.bench;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The store alone: what one iteration costs the writer (its start row, its end row with the run's
 * totals, its event), on one thread feeding the writer as a runner's reader thread does. Run by
 * {@code scripts/bench store}; not a test.
 */
public final class StoreBenchmark {
    public static void main(String[] args) throws Exception {
        int iterations = 20_000;
        Path dir = Files.createTempDirectory("ccd-store-bench");
        for (int round = 0; round < 3; round++) {
            try (Store store = Store.open(dir.resolve("round" + round + ".db"))) {
                String runId = "r-bench-" + round;
                store.insertRun(RunRow.starting(runId, "bench" + round, "hello", null, "scripted", null, "/tmp", true,
                        null, 0, Timestamps.now(), "on", "on")).get();
                long t0 = System.nanoTime();
                CompletableFuture<?> last = null;
                for (int i = 1; i <= iterations; i++) {
                    store.iterationStarted(runId, i, Timestamps.now());
                    Message.IterationDone done = new Message.IterationDone(i, IterationStatus.OK, 0.001,
                            "iteration " + i + " done", 100, 10, 0.0);
                    store.iterationDone(runId, done, Timestamps.now());
                    var payload = (com.fasterxml.jackson.databind.node.ObjectNode) MessageCodec.mapper().valueToTree(done);
                    payload.remove("op");
                    last = store.event("iteration", runId, payload);
                }
                last.get();
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("store: %d iterations (start row, end row + run totals, event) in %.2f s = %.0f"
                        + " iterations/s%n", iterations, seconds, iterations / seconds);
            }
        }
    }
}
