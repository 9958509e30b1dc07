package dev.ccd.daemon.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runs a start finds live end at their last sign of life, not at that start. */
class InterruptedRunsTest {
    @TempDir
    Path tmp;

    private static final Instant BASE = Instant.parse("2026-01-02T03:00:00Z");

    private static String at(int seconds) {
        return Timestamps.format(BASE.plusSeconds(seconds));
    }

    private static void liveRun(Store store, String id, int startedAt, int iterationAt) throws Exception {
        store.insertRun(RunRow.starting(id, "n-" + id, "hello", null, "scripted", null, "/w", true, null, 0,
                at(startedAt), "off", "on")).get(5, SECONDS);
        store.iterationStarted(id, 1, at(iterationAt)).get(5, SECONDS);
    }

    @Test
    void aRunEndsAtTheLastHeartbeatOrItsOwnLaterActivityAndItsOpenRowsWithIt() throws Exception {
        try (Store store = Store.open(tmp.resolve("ccd.db"))) {
            liveRun(store, "r-quiet", 0, 10);
            liveRun(store, "r-busy", 0, 40);
            store.heartbeat(at(25)).get(5, SECONDS);
            store.heartbeat(at(30)).get(5, SECONDS);
            assertThat(store.lastHeartbeat()).contains(at(30));

            assertThat(store.markLiveRunsInterrupted(at(600)).get(5, SECONDS))
                    .containsExactlyInAnyOrder("r-quiet", "r-busy");

            RunRow quiet = store.run("r-quiet").orElseThrow();
            assertThat(quiet.status()).isEqualTo(RunStatus.INTERRUPTED);
            assertThat(quiet.endedAt()).isEqualTo(at(30));
            assertThat(store.iterations("r-quiet", 5)).singleElement()
                    .satisfies(it -> assertThat(it.endedAt()).isEqualTo(at(30)));
            assertThat(store.run("r-busy").orElseThrow().endedAt()).isEqualTo(at(40));
        }
    }

    @Test
    void withoutAHeartbeatTheRunsLastActivityCountsAndNeverALaterTimeThanTheStart() throws Exception {
        try (Store store = Store.open(tmp.resolve("ccd.db"))) {
            liveRun(store, "r-old", 0, 20);
            liveRun(store, "r-skewed", 0, 900);

            store.markLiveRunsInterrupted(at(600)).get(5, SECONDS);

            assertThat(store.run("r-old").orElseThrow().endedAt()).isEqualTo(at(20));
            assertThat(store.run("r-skewed").orElseThrow().endedAt()).isEqualTo(at(600));
        }
    }
}
