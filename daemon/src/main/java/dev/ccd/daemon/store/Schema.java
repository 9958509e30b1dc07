package dev.ccd.daemon.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema of {@code ccd.db}, as numbered migrations. {@code PRAGMA user_version} holds the
 * number of migrations applied; opening a database applies the missing ones in one transaction.
 * Table and column names are part of the user-visible contract (README.md, "Files and the record"): add, never
 * rename.
 *
 * <p>A migration is a list of statements run one by one, not a script split on ';': a ';' may
 * stand inside a literal or a trigger body.
 */
final class Schema {

    /** Entry {@code v} takes a database from version {@code v} to {@code v + 1}. */
    private static final List<List<String>> MIGRATIONS = List.of(List.of(
            """
            CREATE TABLE agent_runs(
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              template TEXT NOT NULL,
              args TEXT,
              status TEXT NOT NULL,
              provider TEXT NOT NULL,
              model TEXT,
              workdir TEXT NOT NULL,
              pid INTEGER,
              auto_approve INTEGER NOT NULL DEFAULT 1,
              restart_of TEXT,
              restart_count INTEGER NOT NULL DEFAULT 0,
              started_at TEXT NOT NULL,
              ended_at TEXT,
              last_iteration INTEGER NOT NULL DEFAULT 0,
              tokens_in INTEGER NOT NULL DEFAULT 0,
              tokens_out INTEGER NOT NULL DEFAULT 0,
              cost_usd REAL NOT NULL DEFAULT 0,
              exit_code INTEGER,
              error TEXT)""",
            "CREATE INDEX agent_runs_by_name ON agent_runs(name, started_at)",
            "CREATE INDEX agent_runs_by_status ON agent_runs(status)",
            """
            CREATE TABLE agent_iterations(
              run_id TEXT NOT NULL,
              iteration INTEGER NOT NULL,
              started_at TEXT,
              ended_at TEXT,
              status TEXT NOT NULL,
              duration_s REAL,
              summary TEXT,
              tokens_in INTEGER NOT NULL DEFAULT 0,
              tokens_out INTEGER NOT NULL DEFAULT 0,
              cost_usd REAL NOT NULL DEFAULT 0,
              PRIMARY KEY(run_id, iteration))""",
            """
            CREATE TABLE permission_requests(
              id TEXT PRIMARY KEY,
              run_id TEXT NOT NULL,
              tool TEXT NOT NULL,
              input_json TEXT NOT NULL,
              rationale TEXT,
              status TEXT NOT NULL,
              created_at TEXT NOT NULL,
              answered_at TEXT,
              reason TEXT)""",
            "CREATE INDEX permission_requests_by_status ON permission_requests(status, run_id)",
            """
            CREATE TABLE background_tasks(
              run_id TEXT NOT NULL,
              task_id TEXT NOT NULL,
              command TEXT NOT NULL,
              status TEXT NOT NULL,
              exit_code INTEGER,
              started_at TEXT NOT NULL,
              ended_at TEXT,
              output_path TEXT,
              PRIMARY KEY(run_id, task_id))""",
            """
            CREATE TABLE daemon_events(
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              ts TEXT NOT NULL,
              kind TEXT NOT NULL,
              run_id TEXT,
              payload_json TEXT)""",
            "CREATE INDEX daemon_events_by_run ON daemon_events(run_id, id)"),
            // 2: the sandbox of a run's tool processes, 'on' or 'off', and whether they had the
            // network ('on' or 'off'; 'on' with the sandbox off). Runs recorded before: NULL.
            List.of(
                    "ALTER TABLE agent_runs ADD COLUMN sandbox TEXT",
                    "ALTER TABLE agent_runs ADD COLUMN network TEXT"),
            // 3: when the daemon last said it was alive (one row), so that the next start dates the
            // runs it finds interrupted to the failure rather than to itself.
            List.of("CREATE TABLE daemon_heartbeat(id INTEGER PRIMARY KEY CHECK (id = 1), ts TEXT NOT NULL)"),
            // 4: prompt-cache traffic, as parts of tokens_in: input written to the vendor's cache
            // and input read from it (priced differently; cost_usd already counts them so).
            List.of(
                    "ALTER TABLE agent_iterations ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_iterations ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_runs ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_runs ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0"),
            // 5: why a run ended, in one word (completed, max_iterations, stagnation, script_exhausted,
            // stopped, crashed, failed, bad_config, interrupted, ...); NULL while it is live, and for
            // runs ended before the column existed
            List.of("ALTER TABLE agent_runs ADD COLUMN end_reason TEXT"),
            // 6: where a run's runner ran ('local' or 'slurm'), its Slurm job id, and the scheduler's
            // last word on the job (e.g. 'PENDING (Resources)', 'RUNNING on node1', 'TIMEOUT').
            List.of(
                    "ALTER TABLE agent_runs ADD COLUMN placement TEXT NOT NULL DEFAULT 'local'",
                    "ALTER TABLE agent_runs ADD COLUMN slurm_job_id INTEGER",
                    "ALTER TABLE agent_runs ADD COLUMN placement_state TEXT"),
            // 7: how many times an ended run was resumed (the same run id going on from its checkpoint).
            List.of("ALTER TABLE agent_runs ADD COLUMN resume_count INTEGER NOT NULL DEFAULT 0"),
            // 8: model call statistics: calls answered, requests sent beyond the first of each call
            // (retries), seconds spent in calls, and the part of tokens_in + tokens_out that is ccd's
            // estimate for abandoned attempts. Iterations recorded before: 0.
            List.of(
                    "ALTER TABLE agent_iterations ADD COLUMN model_calls INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_iterations ADD COLUMN model_retries INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_iterations ADD COLUMN model_seconds REAL NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_iterations ADD COLUMN estimated_tokens INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_runs ADD COLUMN model_calls INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_runs ADD COLUMN model_retries INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_runs ADD COLUMN model_seconds REAL NOT NULL DEFAULT 0",
                    "ALTER TABLE agent_runs ADD COLUMN estimated_tokens INTEGER NOT NULL DEFAULT 0"));

    private Schema() {
    }

    static int latestVersion() {
        return MIGRATIONS.size();
    }

    /** Brings the database to the latest version. Refuses a database newer than this code. */
    static void migrate(Connection connection) throws SQLException {
        migrate(connection, MIGRATIONS);
    }

    /** As {@link #migrate(Connection)}, with the given migrations for the code's schema. */
    static void migrate(Connection connection, List<List<String>> migrations) throws SQLException {
        int version;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > migrations.size()) {
            throw new SQLException("ccd.db has schema version " + version + " but this ccd knows only up to "
                    + migrations.size() + ": use a newer ccd");
        }
        if (version == migrations.size()) {
            return;
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            for (List<String> migration : migrations.subList(version, migrations.size())) {
                for (String sql : migration) {
                    st.executeUpdate(sql);
                }
            }
            st.executeUpdate("PRAGMA user_version = " + migrations.size());
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
