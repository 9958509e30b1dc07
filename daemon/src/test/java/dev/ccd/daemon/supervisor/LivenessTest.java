package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.supervisor.fakes.MuteRunner;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pings and pongs with real runner JVMs, at intervals short enough for a test. */
class LivenessTest extends SupervisorFixture {

    private static final Liveness.Settings FAST = new Liveness.Settings(Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    private List<Map<String, Object>> runs(String name) {
        return Db.query(home.db(), "SELECT * FROM agent_runs WHERE name = '" + name + "' ORDER BY started_at, rowid");
    }

    private long events(String runId, String kind) {
        return Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE run_id = '" + runId + "' AND kind = '"
                + kind + "'");
    }

    @Test
    void aStoppedRunnerIsUnresponsiveThenKilledAndRecordedCrashedWithTheReason() throws Exception {
        Supervisor supervisor = supervisor(null, FAST);
        RunRow run = supervisor.start(spec("frozen", RunSpec.RestartPolicy.ON_CRASH, 1));
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(run.pid())).start().waitFor()).isZero();

        await().atMost(Duration.ofSeconds(5)).until(() -> events(run.id(), "unresponsive") == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> "crashed".equals(runs("frozen").get(0).get("status")));

        Map<String, Object> row = runs("frozen").get(0);
        // the kill comes at the first ping after twice the timeout: 2 s and a little
        assertThat((String) row.get("error")).containsPattern("^stopped answering pings for [23] s: killed; ")
                .contains("SIGKILL");
        assertThat(Processes.alive(run.pid())).isFalse();
        assertThat(events(run.id(), "responsive")).isZero();
        // a crash like any other: --restart on-crash applies
        await().atMost(Duration.ofSeconds(5)).until(() -> events(run.id(), "restart_scheduled") == 1);
    }

    @Test
    void aRunnerThatAnswersStaysRunningThroughManyPings() throws Exception {
        // a runner that did not answer would be killed within 3 s, 30 pings
        Supervisor supervisor = supervisor(null, new Liveness.Settings(Duration.ofMillis(100),
                Duration.ofMillis(1500), Duration.ofSeconds(5)));
        RunRow run = supervisor.start(spec("lively", RunSpec.RestartPolicy.NEVER, 0));

        await().atMost(Duration.ofSeconds(15)).until(() -> supervisor.pingsSent("lively") >= 40);

        assertThat(runs("lively").get(0).get("status")).isEqualTo("running");
        assertThat(Processes.alive(run.pid())).isTrue();
        assertThat(events(run.id(), "unresponsive")).isZero();
    }

    @Test
    void aRunnerThatTalksButNeverAnswersPingIsKilledAsCrashed() throws Exception {
        Supervisor supervisor = supervisor(MuteRunner.class, FAST);
        RunRow run = supervisor.start(spec("mute", RunSpec.RestartPolicy.NEVER, 0));

        await().atMost(Duration.ofSeconds(8)).until(() -> "crashed".equals(runs("mute").get(0).get("status")));

        assertThat((String) runs("mute").get(0).get("error")).contains("stopped answering pings");
        assertThat(events(run.id(), "unresponsive")).isEqualTo(1);
        assertThat(events(run.id(), "notify")).isPositive();
        assertThat(Processes.alive(run.pid())).isFalse();
    }

    @Test
    void aPongAfterUnresponsiveRecordsResponsive() throws Exception {
        Supervisor supervisor = supervisor(null, FAST);
        RunRow run = supervisor.start(spec("thawed", RunSpec.RestartPolicy.NEVER, 0));
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(run.pid())).start().waitFor()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> events(run.id(), "unresponsive") == 1);

        assertThat(new ProcessBuilder("kill", "-CONT", Long.toString(run.pid())).start().waitFor()).isZero();

        await().atMost(Duration.ofSeconds(5)).until(() -> events(run.id(), "responsive") == 1);
        assertThat(runs("thawed").get(0).get("status")).isEqualTo("running");
        assertThat(Processes.alive(run.pid())).isTrue();
    }
}
