package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.store.EventRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.protocol.MessageCodec;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which interrupted runs a daemon start resumes: a run that died again soon after its last resume
 * counts against {@code --max-restarts}, so a crash loop stops; one that lived long is resumed.
 */
class ResumeOnStartTest extends SupervisorFixture {

    /** A run recorded as resumed at {@code resumedAt} and interrupted {@code lived} later. */
    private RunRow interrupted(String name, Instant resumedAt, Duration lived, int quickDeathsBefore, int maxRestarts)
            throws Exception {
        RunSpec spec = spec(name, RunSpec.RestartPolicy.ON_CRASH, maxRestarts);
        assertThat(spec.resumeOnStart()).as("the default with on-crash").isTrue();
        String id = "r-" + name;
        Files.createDirectories(home.run(id));
        SpecFile.write(home.run(id), spec);
        store.insertRun(RunRow.starting(id, name, "hello", null, "scripted", null, spec.workdir().toString(), true, null,
                0, Timestamps.format(resumedAt.minusSeconds(600)), "on", "on")).get(5, TimeUnit.SECONDS);
        store.eventJson("run_resumed", id, "{\"quick_deaths\":" + quickDeathsBefore + "}").get(5, TimeUnit.SECONDS);
        // the event's time is now: the run is dated from it
        Instant resumed = Instant.parse(store.lastEvent(id, "run_resumed").orElseThrow().ts());
        store.endRun(id, RunStatus.INTERRUPTED, null, "the daemon stopped", Timestamps.format(resumed.plus(lived)),
                MessageCodec.mapper().createObjectNode()).get(5, TimeUnit.SECONDS);
        return store.run(id).orElseThrow();
    }

    @Test
    void aRunThatDiedSoonAfterEachResumeIsLeftEndedOnceItsRestartsAreSpent() throws Exception {
        Supervisor supervisor = supervisor(null);
        RunRow looping = interrupted("looping", Instant.now(), Duration.ofSeconds(5), 2, 2);

        supervisor.resumeOnStart(java.util.List.of(looping.id()), true, provider -> Map.of());

        await().atMost(Duration.ofSeconds(10)).until(() -> store.lastEvent(looping.id(), "resume_exhausted").isPresent());
        EventRow exhausted = store.lastEvent(looping.id(), "resume_exhausted").orElseThrow();
        assertThat(exhausted.payload().path("quick_deaths").asInt()).isEqualTo(3);
        assertThat(store.run(looping.id()).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(store.resumeCount(looping.id())).isZero();
    }

    @Test
    void aRunThatLivedPastTheQuickDeathWindowIsResumedAndItsCountStartsAgain() throws Exception {
        Supervisor supervisor = supervisor(null);
        RunRow lasting = interrupted("lasting", Instant.now(), Resumes.QUICK_DEATH.plusSeconds(5), 2, 2);

        supervisor.resumeOnStart(java.util.List.of(lasting.id()), true, provider -> Map.of());

        await().atMost(Duration.ofSeconds(30)).until(() -> store.resumeCount(lasting.id()) == 1
                && store.run(lasting.id()).orElseThrow().status() == RunStatus.RUNNING);
        assertThat(store.lastEvent(lasting.id(), "run_resumed").orElseThrow().payload().path("quick_deaths").asInt())
                .isZero();
        assertThat(store.lastEvent(lasting.id(), "resume_exhausted")).isEmpty();
    }
}
