package dev.ccd.daemon.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaTest {

    /**
     * The statements of schema version 1 as ccd 0.1 wrote them, copied here on purpose: users'
     * databases were made by this text, not by whatever Schema holds today.
     */
    private static final List<String> VERSION_1 = List.of(
            "CREATE TABLE agent_runs(id TEXT PRIMARY KEY, name TEXT NOT NULL, template TEXT NOT NULL, args TEXT,"
                    + " status TEXT NOT NULL, provider TEXT NOT NULL, model TEXT, workdir TEXT NOT NULL, pid INTEGER,"
                    + " auto_approve INTEGER NOT NULL DEFAULT 1, restart_of TEXT, restart_count INTEGER NOT NULL"
                    + " DEFAULT 0, started_at TEXT NOT NULL, ended_at TEXT, last_iteration INTEGER NOT NULL DEFAULT 0,"
                    + " tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0, cost_usd REAL"
                    + " NOT NULL DEFAULT 0, exit_code INTEGER, error TEXT)",
            "CREATE INDEX agent_runs_by_name ON agent_runs(name, started_at)",
            "CREATE INDEX agent_runs_by_status ON agent_runs(status)",
            "CREATE TABLE agent_iterations(run_id TEXT NOT NULL, iteration INTEGER NOT NULL, started_at TEXT,"
                    + " ended_at TEXT, status TEXT NOT NULL, duration_s REAL, summary TEXT, tokens_in INTEGER NOT NULL"
                    + " DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0,"
                    + " PRIMARY KEY(run_id, iteration))",
            "CREATE TABLE permission_requests(id TEXT PRIMARY KEY, run_id TEXT NOT NULL, tool TEXT NOT NULL,"
                    + " input_json TEXT NOT NULL, rationale TEXT, status TEXT NOT NULL, created_at TEXT NOT NULL,"
                    + " answered_at TEXT, reason TEXT)",
            "CREATE INDEX permission_requests_by_status ON permission_requests(status, run_id)",
            "CREATE TABLE background_tasks(run_id TEXT NOT NULL, task_id TEXT NOT NULL, command TEXT NOT NULL,"
                    + " status TEXT NOT NULL, exit_code INTEGER, started_at TEXT NOT NULL, ended_at TEXT,"
                    + " output_path TEXT, PRIMARY KEY(run_id, task_id))",
            "CREATE TABLE daemon_events(id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, kind TEXT NOT NULL,"
                    + " run_id TEXT, payload_json TEXT)",
            "CREATE INDEX daemon_events_by_run ON daemon_events(run_id, id)");

    @TempDir
    Path tmp;

    @Test
    void aVersion1DatabaseIsMigratedToVersion2KeepingItsRows() throws Exception {
        Path db = version1Database(
                "INSERT INTO agent_runs(id, name, template, status, provider, workdir, started_at,"
                        + " ended_at, last_iteration, tokens_in, cost_usd, exit_code) VALUES ('r-1', 'old', 'hello',"
                        + " 'completed', 'scripted', '/w', '2024-01-02T03:04:05.000Z', '2024-01-02T03:05:00.000Z', 1, 7,"
                        + " 0.5, 0)",
                "INSERT INTO agent_iterations(run_id, iteration, started_at, ended_at, status, duration_s,"
                        + " summary, tokens_in) VALUES ('r-1', 1, '2024-01-02T03:04:06.000Z', '2024-01-02T03:04:59.000Z',"
                        + " 'ok', 53.0, 'did it', 7)",
                "INSERT INTO daemon_events(ts, kind, run_id, payload_json) VALUES"
                        + " ('2024-01-02T03:05:00.000Z', 'run_ended', 'r-1', '{\"status\":\"completed\"}')");

        try (Store store = Store.open(db)) {
            RunRow run = store.run("r-1").orElseThrow();
            assertThat(run.name()).isEqualTo("old");
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.tokensIn()).isEqualTo(7);
            assertThat(run.exitCode()).isZero();
            assertThat(store.iterations("r-1", 10)).singleElement()
                    .satisfies(it -> assertThat(it.summary()).isEqualTo("did it"))
                    .satisfies(it -> assertThat(it.durationS()).isEqualTo(53.0));
            assertThat(store.events(0, "r-1", 10, false)).singleElement()
                    .satisfies(e -> assertThat(e.kind()).isEqualTo("run_ended"))
                    .satisfies(e -> assertThat(e.payload().get("status").asText()).isEqualTo("completed"));
            assertThat(userVersion(db)).isEqualTo(Schema.latestVersion());
            // the end_reason column: unknown (NULL) for a run that ended before it
            assertThat(run.endReason()).isNull();
            // migration 2: the sandbox columns, unknown (NULL) for a run recorded before them
            assertThat(run.sandbox()).isNull();
            assertThat(run.network()).isNull();
            // migration 3: the heartbeat table, empty until a daemon beats
            assertThat(store.lastHeartbeat()).isEmpty();
            store.heartbeat("2024-01-02T03:06:00.000Z").get(5, SECONDS);
            assertThat(store.lastHeartbeat()).contains("2024-01-02T03:06:00.000Z");
            // the placement columns: an old run ran here, and had no Slurm job
            assertThat(run.placement()).isEqualTo("local");
            assertThat(run.slurmJobId()).isNull();
            assertThat(run.placementState()).isNull();
            // the resume count, 0 for a run recorded before it
            assertThat(store.resumeCount("r-1")).isZero();

            store.insertRun(RunRow.starting("r-2", "new", "hello", null, "scripted", null, "/w", true, "r-1", 1,
                    Timestamps.now(), "off", "on")).get(5, SECONDS);
            long id = store.event("run_started", "r-2", null).get(5, SECONDS).id();
            RunRow added = store.latestRun("new").orElseThrow();
            assertThat(added.restartOf()).isEqualTo("r-1");
            assertThat(added.sandbox()).isEqualTo("off");
            assertThat(added.network()).isEqualTo("on");
            assertThat(store.events(0, null, 10, false)).extracting(EventRow::id).last().isEqualTo(id);
        }
    }

    @Test
    void migration2AddsTheSandboxColumnsToAVersion1Table() throws Exception {
        Path db = version1Database("INSERT INTO agent_runs(id, name, template, status, provider, workdir, started_at)"
                + " VALUES ('r-1', 'old', 'hello', 'completed', 'scripted', '/w', '2024-01-02T03:04:05.000Z')");
        Store.open(db).close();

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            assertThat(column(c, "SELECT name FROM pragma_table_info('agent_runs')")).contains("sandbox", "network");
            assertThat(column(c, "SELECT id || ':' || coalesce(sandbox, 'NULL') || ':' || coalesce(network, 'NULL')"
                    + " FROM agent_runs")).containsExactly("r-1:NULL:NULL");
        }
    }

    @Test
    void aDatabaseFromANewerCcdIsRefusedNamingBothVersions() throws Exception {
        Path db = tmp.resolve("ccd.db");
        int newer = Schema.latestVersion() + 3;
        try (Connection future = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            future.createStatement().executeUpdate("PRAGMA user_version = " + newer);
        }

        assertThatThrownBy(() -> Store.open(db)).isInstanceOf(SQLException.class)
                .hasMessageContaining("version " + newer).hasMessageContaining("up to " + Schema.latestVersion());
        assertThat(userVersion(db)).isEqualTo(newer);
    }

    @Test
    void aStatementMayHoldASemicolonInALiteralOrATrigger() throws Exception {
        List<List<String>> migrations = List.of(
                List.of("CREATE TABLE notes(text TEXT)", "CREATE TABLE log(text TEXT)"),
                List.of("INSERT INTO notes VALUES ('one; two')",
                        "CREATE TRIGGER notes_logged AFTER INSERT ON notes BEGIN"
                                + " INSERT INTO log VALUES (new.text); INSERT INTO log VALUES ('after;'); END"));
        Path db = tmp.resolve("other.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            Schema.migrate(c, migrations.subList(0, 1));
            Schema.migrate(c, migrations);
            c.createStatement().executeUpdate("INSERT INTO notes VALUES ('three')");

            assertThat(column(c, "SELECT text FROM notes ORDER BY rowid")).containsExactly("one; two", "three");
            assertThat(column(c, "SELECT text FROM log ORDER BY rowid")).containsExactly("three", "after;");
        }
        assertThat(userVersion(db)).isEqualTo(2);
    }

    /** {@code ccd.db} as ccd 0.1 left it, holding the rows that {@code inserts} add. */
    private Path version1Database(String... inserts) throws SQLException {
        Path db = tmp.resolve("ccd.db");
        try (Connection old = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = old.createStatement()) {
            for (String sql : VERSION_1) {
                st.executeUpdate(sql);
            }
            st.executeUpdate("PRAGMA user_version = 1");
            for (String sql : inserts) {
                st.executeUpdate(sql);
            }
        }
        return db;
    }

    private static int userVersion(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
