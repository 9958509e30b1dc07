package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.supervisor.fakes.CrashingRunner;
import dev.ccd.daemon.supervisor.fakes.GarbageRunner;
import dev.ccd.daemon.supervisor.fakes.SilentRunner;
import dev.ccd.daemon.supervisor.fakes.StubbornRunner;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import dev.ccd.protocol.RunConfig;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The supervisor with a real store and real runner JVMs: the real runner, and small fake runner
 * mains that misbehave in the ways a supervisor must survive.
 */
class SupervisorTest extends SupervisorFixture {


    private List<Map<String, Object>> runs(String name) {
        return Db.query(home.db(), "SELECT * FROM agent_runs WHERE name = '" + name + "' ORDER BY started_at, rowid");
    }

    private String status(String name) {
        List<Map<String, Object>> runs = runs(name);
        return runs.isEmpty() ? null : (String) runs.get(runs.size() - 1).get("status");
    }

    @Test
    void aRunnerKilledWithSigkillIsRecordedCrashedWithinASecondAndOthersRunOn() throws Exception {
        Supervisor supervisor = supervisor(null);
        RunRow victim = supervisor.start(spec("victim", RunSpec.RestartPolicy.NEVER, 0));
        RunRow bystander = supervisor.start(spec("bystander", RunSpec.RestartPolicy.NEVER, 0));

        Instant killed = Instant.now();
        ProcessHandle.of(victim.pid()).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(3)).until(() -> "crashed".equals(status("victim")));
        Map<String, Object> row = runs("victim").get(0);
        assertThat(((Number) row.get("exit_code")).intValue()).isEqualTo(137);
        assertThat((String) row.get("error")).contains("code 137").contains("SIGKILL").contains("without an exit message");
        // the daemon's own record of when it saw the death (the wait above allows for a slow test thread)
        assertThat(Instant.parse((String) row.get("ended_at"))).isBetween(killed, killed.plusSeconds(1));
        assertThat(status("bystander")).isEqualTo("running");
        assertThat(Processes.alive(bystander.pid())).isTrue();
        long before = Db.count(home.db(), "SELECT count(*) FROM agent_iterations WHERE run_id = '" + bystander.id() + "'");
        await().atMost(Duration.ofSeconds(5)).until(() ->
                Db.count(home.db(), "SELECT count(*) FROM agent_iterations WHERE run_id = '" + bystander.id() + "'") > before);
    }

    @Test
    void aRunnerThatIgnoresStopAndSigtermIsKilledWithinSixSeconds() throws Exception {
        Supervisor supervisor = supervisor(StubbornRunner.class);
        RunRow run = supervisor.start(spec("stubborn", RunSpec.RestartPolicy.NEVER, 0));
        long started = System.nanoTime();

        RunRow ended = supervisor.stop("stubborn", Supervisor.KILL_AFTER);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
        assertThat(Processes.alive(run.pid())).isFalse();
        assertThat(ended.status()).isEqualTo(RunStatus.STOPPED);
        assertThat(ended.error()).contains("ended by SIGKILL");
        assertThat(Db.scalar(home.db(), "SELECT payload_json FROM daemon_events WHERE kind = 'run_ended'"))
                .asString().contains("\"ended_by\":\"sigkill\"");
    }

    @Test
    void garbageFromARunnerIsCountedAndTheValidMessagesAroundItAreRecorded() throws Exception {
        Supervisor supervisor = supervisor(GarbageRunner.class);

        RunRow run = supervisor.start(spec("garbage", RunSpec.RestartPolicy.NEVER, 0));

        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status("garbage")));
        assertThat(Db.query(home.db(), "SELECT iteration, status, summary FROM agent_iterations WHERE run_id = '"
                + run.id() + "' ORDER BY iteration"))
                .extracting(r -> r.get("iteration") + " " + r.get("status") + " " + r.get("summary"))
                .containsExactly("1 ok first", "2 ok second");
        assertThat(Db.query(home.db(), "SELECT payload_json FROM daemon_events WHERE kind = 'protocol_error' ORDER BY id"))
                .extracting(r -> (String) r.get("payload_json"))
                .satisfiesExactly(
                        e -> assertThat(e).contains("invalid_json"),
                        e -> assertThat(e).contains("line_too_long"),
                        e -> assertThat(e).contains("unknown_op").contains("teleport"),
                        e -> assertThat(e).contains("invalid_fields").contains("iteration"),
                        e -> assertThat(e).contains("invalid_json").contains("UTF-8"));
        assertThat(Db.scalar(home.db(), "SELECT payload_json FROM daemon_events WHERE kind = 'notify'"))
                .asString().contains("still here");
        Map<String, Object> row = runs("garbage").get(0);
        assertThat(((Number) row.get("tokens_in")).longValue()).isEqualTo(30);
        assertThat(((Number) row.get("last_iteration")).intValue()).isEqualTo(2);
        // the supervisor is unharmed: it still starts runs
        // (this fake runner ends at once, so it may already have completed when start returns)
        RunRow after = supervisor.start(spec("after", RunSpec.RestartPolicy.NEVER, 0));
        assertThat(after.status()).isIn(RunStatus.RUNNING, RunStatus.COMPLETED);
        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status("after")));
    }

    @Test
    void aCrashingRunIsRestartedWithBackoffUntilItsRestartsAreExhausted() throws Exception {
        Supervisor supervisor = supervisor(CrashingRunner.class);

        supervisor.start(spec("phoenix", RunSpec.RestartPolicy.ON_CRASH, 2));

        await().atMost(Duration.ofSeconds(30)).until(() ->
                Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE kind = 'restart_exhausted'") == 1);
        List<Map<String, Object>> lineage = runs("phoenix");
        assertThat(lineage).hasSize(3).allSatisfy(r -> {
            assertThat(r.get("status")).isEqualTo("crashed");
            assertThat(((Number) r.get("exit_code")).intValue()).isEqualTo(7);
            assertThat((String) r.get("error")).contains("boom: the fake runner crashes on purpose");
        });
        for (int i = 1; i < 3; i++) {
            assertThat(lineage.get(i).get("restart_of")).isEqualTo(lineage.get(i - 1).get("id"));
            assertThat(((Number) lineage.get(i).get("restart_count")).intValue()).isEqualTo(i);
            Duration gap = Duration.between(Instant.parse((String) lineage.get(i - 1).get("ended_at")),
                    Instant.parse((String) lineage.get(i).get("started_at")));
            // 1 s, then 2 s, each with ±20 % jitter
            long base = 1000L << (i - 1);
            assertThat(gap.toMillis()).isBetween(base * 8 / 10, base * 12 / 10 + 1000);
        }
        assertThat(Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE kind = 'restart_scheduled'")).isEqualTo(2);
    }

    @Test
    void stoppingDuringTheBackoffCancelsTheRestart() throws Exception {
        Supervisor supervisor = supervisor(CrashingRunner.class);
        supervisor.start(spec("once", RunSpec.RestartPolicy.ON_CRASH, 5));
        await().atMost(Duration.ofSeconds(5)).until(() -> supervisor.pendingRestart("once").isPresent());

        RunRow stopped = supervisor.stop("once", Duration.ofSeconds(5));

        assertThat(stopped.status()).isEqualTo(RunStatus.CRASHED);
        assertThat(supervisor.pendingRestart("once")).isEmpty();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> runs("once").size() == 1);
        assertThat(Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE kind = 'restart_cancelled'")).isEqualTo(1);
    }

    @Test
    void aProviderErrorThatWillNotHealEndsTheRunFailedWithTheProvidersMessage() throws Exception {
        try (FakeModelServer server = FakeModelServer.start()) {
            server.enqueue(FakeModelReplies.anthropicError(401, "authentication_error", "invalid x-api-key"));
            Supervisor supervisor = supervisor(null);
            RunSpec scripted = spec("claude", RunSpec.RestartPolicy.ON_CRASH, 3);
            RunConfig config = new RunConfig("anthropic", "claude-sonnet-4-5", server.baseUrl(), null,
                    scripted.workdir().toString(), "", 0, false, null, null, null, null, null, null, null, null, null);
            RunSpec spec = new RunSpec("claude", "hello", "# hello", null, scripted.workdir(), config,
                    RunSpec.RestartPolicy.ON_CRASH, 3, Map.of("ANTHROPIC_API_KEY", "sk-never-stored"));

            supervisor.start(spec);

            await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(status("claude")));
            Map<String, Object> row = runs("claude").get(0);
            assertThat((String) row.get("error")).contains("HTTP 401 authentication_error: invalid x-api-key");
            assertThat(server.request(0).header("x-api-key")).isEqualTo("sk-never-stored");
            assertThat(Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE payload_json LIKE '%sk-never-stored%'"))
                    .isZero();
            assertThat(runs("claude")).hasSize(1); // a failure is not a crash: no restart
        }
    }

    @Test
    void aRunnerThatNeverAnswersInitIsKilledAndCrashed() throws Exception {
        Supervisor supervisor = supervisor(SilentRunner.class);

        assertThatThrownBy(() -> supervisor.start(spec("silent", RunSpec.RestartPolicy.NEVER, 0)))
                .isInstanceOf(SupervisorException.class)
                .hasMessageContaining("did not start (crashed)")
                .hasMessageContaining("no ready within 5 s")
                .hasMessageContaining("silent runner: not answering");

        Map<String, Object> row = runs("silent").get(0);
        assertThat(row.get("status")).isEqualTo("crashed");
        assertThat(row.get("pid")).isNull();
        assertThat(Db.count(home.db(), "SELECT count(*) FROM agent_runs WHERE status IN ('starting','running')")).isZero();
    }
}
