package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.RealDaemon;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The record under faults from outside, through a real daemon, a real run and a real sqlite3. */
class RecordFaultsEndToEndTest extends RealDaemon {
    /** At 5 ms apart at least 20 s of iterations: the 10 s lock falls inside the run whatever the machine. */
    private static final int ITERATIONS = 4000;

    /** Whether another process holds ccd.db's write lock: a write transaction cannot begin at once. */
    private boolean writeLockHeldOutside() {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ccd.db"));
                java.sql.Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 0");
            st.execute("BEGIN IMMEDIATE");
            st.execute("ROLLBACK");
            return false;
        } catch (java.sql.SQLException e) {
            return String.valueOf(e.getMessage()).contains("locked") || String.valueOf(e.getMessage()).contains("BUSY");
        }
    }

    private long count(String sql) {
        return Db.count(home.resolve("ccd.db"), sql);
    }

    @Test
    void anOutsideWriteLockDuringAFastRunLosesNothingAndIsLoggedAndTheDaemonAnswers() throws Exception {
        startDaemon();
        List<String> turns = new ArrayList<>();
        for (int i = 1; i <= ITERATIONS; i++) {
            turns.add("{\"text\": \"iteration " + i + "\"}");
        }
        Path script = Files.write(tmp.resolve("fast.jsonl"), turns, StandardCharsets.UTF_8);
        Path work = Files.createDirectories(tmp.resolve("work-fast"));
        Cli.Result start = ccd.run("agent", "start", "fast", "--template", "hello", "--script", script.toString(),
                "--workdir", work.toString(), "--interval", "0.005", "--max-tokens", "unlimited", "--max-cost", "unlimited");
        assertThat(start.exitCode()).as(start.toString()).isZero();
        String runId = (String) Db.scalar(home.resolve("ccd.db"), "SELECT id FROM agent_runs WHERE name = 'fast'");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                count("SELECT count(*) FROM agent_iterations WHERE run_id = '" + runId + "' AND status = 'ok'") >= 50);

        // Someone inspecting the record takes the write lock and holds it for 10 s: past the
        // daemon's busy timeout, so its commits fail and are kept until the lock goes.
        Process sqlite = new ProcessBuilder("sqlite3", home.resolve("ccd.db").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = sqlite.getOutputStream()) {
            in.write(".timeout 10000\nBEGIN IMMEDIATE;\n.shell sleep 10\nCOMMIT;\n".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> ccd.run("status").out().contains("DEGRADED"));
        Cli.Result during = ccd.run("status", "--json");
        assertThat(during.exitCode()).as(during.toString()).isZero();
        assertThat(sqlite.waitFor(30, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(120)).until(() -> "completed".equals(
                Db.scalar(home.resolve("ccd.db"), "SELECT status FROM agent_runs WHERE id = '" + runId + "'")));
        assertThat(count("SELECT count(*) FROM agent_iterations WHERE run_id = '" + runId + "' AND status = 'ok'"
                + " AND summary = 'iteration ' || iteration")).isEqualTo(ITERATIONS);
        assertThat(count("SELECT count(*) FROM daemon_events WHERE run_id = '" + runId + "' AND kind = 'iteration'"))
                .isEqualTo(ITERATIONS);
        assertThat(count("SELECT last_iteration FROM agent_runs WHERE id = '" + runId + "'")).isEqualTo(ITERATIONS);
        assertThat(count("SELECT count(*) FROM daemon_events WHERE kind = 'record_recovered'")).isEqualTo(1);
        String log = Files.readString(home.resolve("logs/daemon.log"));
        assertThat(log).contains("locked by another process").contains("recovered after");
        assertThat(ccd.run("status").out()).doesNotContain("DEGRADED").contains("record: ok");
    }

    @Test
    void anAgentStartWhileTheRecordIsBlockedGivesUpWithTheCauseAndLeavesNoRowStarting() throws Exception {
        startDaemon();
        Path script = Files.write(tmp.resolve("one.jsonl"), List.of("{\"text\": \"hello\"}"), StandardCharsets.UTF_8);
        Path work = Files.createDirectories(tmp.resolve("work-blocked"));
        Process sqlite = new ProcessBuilder("sqlite3", home.resolve("ccd.db").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = sqlite.getOutputStream()) {
            in.write(".timeout 10000\nBEGIN IMMEDIATE;\n.shell sleep 20\nCOMMIT;\n".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(10)).until(this::writeLockHeldOutside);

        Cli.Result start = ccd.run("agent", "start", "blocked", "--template", "hello", "--script", script.toString(),
                "--workdir", work.toString());

        assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(start.err()).contains("record is blocked").contains("locked by another process")
                .contains("nothing was started");
        assertThat(sqlite.waitFor(40, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(Db.scalar(home.resolve("ccd.db"),
                "SELECT status FROM agent_runs WHERE name = 'blocked'")));
        assertThat(count("SELECT count(*) FROM agent_runs WHERE status = 'starting'")).isZero();
    }
}
