package dev.ccd.daemon.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resume takes an ended run's row back with nothing left of its last end or its last job. */
class ResumeRunTest {
    @TempDir
    Path tmp;

    @Test
    void aResumedSlurmRunHasNeitherTheJobNorTheStateOfItsLastPlacement() throws Exception {
        try (Store store = Store.open(tmp.resolve("ccd.db"))) {
            store.insertRun(RunRow.starting("r-1", "placed", "hello", null, "scripted", null, "/w", true, null, 0,
                    Timestamps.now(), "off", "on").placedOn("slurm")).get(5, SECONDS);
            store.setPlacement("r-1", 4242, "RUNNING on node1", null, null).get(5, SECONDS);
            store.markLiveRunsInterrupted(Timestamps.now()).get(5, SECONDS);

            boolean resumed = store.resumeRun("r-1", Timestamps.now(), JsonNodeFactory.instance.objectNode())
                    .get(5, SECONDS);

            assertThat(resumed).isTrue();
            RunRow row = store.run("r-1").orElseThrow();
            assertThat(row.status()).isEqualTo(RunStatus.STARTING);
            assertThat(row.placement()).as("the run is still placed on Slurm").isEqualTo("slurm");
            assertThat(row.slurmJobId()).as("its next job gets its own id").isNull();
            assertThat(row.placementState()).isNull();
            assertThat(row.endedAt()).isNull();
        }
    }
}
