package dev.ccd.daemon.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * {@code ccd.db}: the record users inspect. Writes go through one {@link SqlWriter} thread and
 * complete once committed; reads use a second connection (WAL lets them run beside the writer)
 * and see only committed rows.
 *
 * <p>Threading: any thread may call any method. The read connection is guarded by its own
 * monitor; listeners are called on the writer thread after the commit, in event id order, and
 * must not block.
 */
public final class Store implements AutoCloseable {

    private static final ObjectMapper JSON = MessageCodec.mapper();
    private static final String LIVE = RunStatus.liveSqlList();
    private static final String RUN_COLUMNS = "id, name, template, args, status, provider, model, workdir, pid,"
            + " auto_approve, restart_of, restart_count, started_at, ended_at, last_iteration, tokens_in,"
            + " tokens_out, cost_usd, exit_code, error";

    private final SqlWriter writer;
    private final Connection reader;
    private final List<Consumer<EventRow>> listeners = new CopyOnWriteArrayList<>();

    private Store(SqlWriter writer, Connection reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** Opens (creating and migrating as needed) the database file. */
    public static Store open(Path file) throws SQLException {
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        // The driver would look for generated keys after every insert (a regex over the SQL and
        // an extra query): a third of the writer's time. Event ids come from RETURNING instead.
        java.util.Properties options = new java.util.Properties();
        options.setProperty("jdbc.get_generated_keys", "false");
        Connection write = DriverManager.getConnection(url, options);
        try (Statement st = write.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("PRAGMA synchronous=NORMAL");
            st.execute("PRAGMA busy_timeout=5000");
        }
        Schema.migrate(write);
        Connection read = DriverManager.getConnection(url);
        try (Statement st = read.createStatement()) {
            st.execute("PRAGMA busy_timeout=5000");
        }
        return new Store(new SqlWriter(write), read);
    }

    /** Called after the commit of each event, on the writer thread. */
    public void addEventListener(Consumer<EventRow> listener) {
        listeners.add(listener);
    }

    public void removeEventListener(Consumer<EventRow> listener) {
        listeners.remove(listener);
    }

    // ---- writes ------------------------------------------------------------------------------

    public CompletableFuture<Void> insertRun(RunRow r) {
        return writer.submit(tx -> {
            PreparedStatement st = tx.prepare("INSERT INTO agent_runs(" + RUN_COLUMNS
                    + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
            st.setString(1, r.id());
            st.setString(2, r.name());
            st.setString(3, r.template());
            st.setString(4, r.args());
            st.setString(5, r.status().dbName());
            st.setString(6, r.provider());
            st.setString(7, r.model());
            st.setString(8, r.workdir());
            setLong(st, 9, r.pid());
            st.setInt(10, r.autoApprove() ? 1 : 0);
            st.setString(11, r.restartOf());
            st.setInt(12, r.restartCount());
            st.setString(13, r.startedAt());
            st.setString(14, r.endedAt());
            st.setInt(15, r.lastIteration());
            st.setLong(16, r.tokensIn());
            st.setLong(17, r.tokensOut());
            st.setDouble(18, r.costUsd());
            setInt(st, 19, r.exitCode());
            st.setString(20, r.error());
            st.executeUpdate();
            return null;
        });
    }

    /**
     * Moves a live run to another live status and records the event that says why, in one
     * transaction: whoever sees the status also finds its event. A run that already ended keeps
     * its status, and so does a stopping run: a late message must not make it look live again.
     */
    public CompletableFuture<EventRow> setLiveStatus(String runId, RunStatus status, String kind, ObjectNode payload) {
        String ts = Timestamps.now();
        String json = payload == null ? null : payload.toString();
        return writer.submit(tx -> tx.atomically(t -> {
            PreparedStatement st = t.prepare("UPDATE agent_runs SET status = ? WHERE id = ? AND status IN " + LIVE
                    + " AND status != 'stopping'");
            st.setString(1, status.dbName());
            st.setString(2, runId);
            st.executeUpdate();
            return insertEvent(t, ts, kind, runId, json);
        }));
    }

    public CompletableFuture<Void> setRunning(String runId, long pid) {
        return writer.submit(tx -> {
            // the pid always; 'running' only from 'starting': a stop, a pause or a question the
            // runner's first messages already recorded keep their status, and so does an end
            PreparedStatement st = tx.prepare("UPDATE agent_runs SET pid = ?,"
                    + " status = CASE WHEN status = 'starting' THEN 'running' ELSE status END WHERE id = ?");
            st.setLong(1, pid);
            st.setString(2, runId);
            st.executeUpdate();
            return null;
        });
    }

    public CompletableFuture<Void> iterationStarted(String runId, int iteration, String ts) {
        return writer.submit(tx -> {
            PreparedStatement st = tx.prepare("INSERT OR REPLACE INTO agent_iterations(run_id, iteration,"
                    + " started_at, status) VALUES (?,?,?,'running')");
            st.setString(1, runId);
            st.setInt(2, iteration);
            st.setString(3, ts);
            st.executeUpdate();
            return null;
        });
    }

    /** Records the end of an iteration and adds its usage to the run's totals, in one commit. */
    public CompletableFuture<Void> iterationDone(String runId, Message.IterationDone done, String ts) {
        return writer.submit(tx -> {
            PreparedStatement up = tx.prepare("INSERT INTO agent_iterations(run_id, iteration, started_at, ended_at,"
                    + " status, duration_s, summary, tokens_in, tokens_out, cost_usd) VALUES (?,?,?,?,?,?,?,?,?,?)"
                    + " ON CONFLICT(run_id, iteration) DO UPDATE SET ended_at = excluded.ended_at,"
                    + " status = excluded.status, duration_s = excluded.duration_s, summary = excluded.summary,"
                    + " tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd");
            up.setString(1, runId);
            up.setInt(2, done.iteration());
            up.setString(3, ts);
            up.setString(4, ts);
            up.setString(5, done.status().wireName());
            up.setDouble(6, done.durationS());
            up.setString(7, done.summary());
            up.setLong(8, done.tokensIn());
            up.setLong(9, done.tokensOut());
            up.setDouble(10, done.costUsd());
            up.executeUpdate();
            PreparedStatement run = tx.prepare("UPDATE agent_runs SET last_iteration = max(last_iteration, ?),"
                    + " tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, cost_usd = cost_usd + ? WHERE id = ?");
            run.setInt(1, done.iteration());
            run.setLong(2, done.tokensIn());
            run.setLong(3, done.tokensOut());
            run.setDouble(4, done.costUsd());
            run.setString(5, runId);
            run.executeUpdate();
            return null;
        });
    }

    /**
     * Ends a run: its terminal status, exit code and error, and its {@code run_ended} event in the
     * same transaction (whoever sees the ended run also finds the event). A run that already ended
     * is left as it is, so the first account of an ending wins.
     *
     * @return true when this call ended the run
     */
    public CompletableFuture<Boolean> endRun(String runId, RunStatus status, Integer exitCode, String error, String ts,
            ObjectNode event) {
        if (status.isLive()) {
            throw new IllegalArgumentException("not a terminal status: " + status);
        }
        String eventJson = event.toString();
        return writer.submit(tx -> tx.atomically(t -> {
            insertEvent(t, ts, "run_ended", runId, eventJson);
            PreparedStatement st = t.prepare("UPDATE agent_runs SET status = ?, exit_code = ?, error = ?,"
                    + " ended_at = ? WHERE id = ? AND status IN " + LIVE);
            st.setString(1, status.dbName());
            setInt(st, 2, exitCode);
            st.setString(3, error);
            st.setString(4, ts);
            st.setString(5, runId);
            boolean ended = st.executeUpdate() == 1;
            if (ended) {
                closeOpenRows(t, runId, ts);
            }
            return ended;
        }));
    }

    /** At daemon start: every run still in a live status lost its daemon. Returns their ids. */
    public CompletableFuture<List<String>> markLiveRunsInterrupted(String ts) {
        return writer.submit(tx -> {
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = tx.prepare("SELECT id FROM agent_runs WHERE status IN " + LIVE).executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            PreparedStatement st = tx.prepare("UPDATE agent_runs SET status = 'interrupted', ended_at = ?,"
                    + " error = coalesce(error, 'the daemon stopped while the run was live') WHERE id = ?");
            for (String id : ids) {
                st.setString(1, ts);
                st.setString(2, id);
                st.executeUpdate();
                closeOpenRows(tx, id, ts);
            }
            return ids;
        });
    }

    /** A run that ended leaves no iteration or task marked as still going. */
    private static void closeOpenRows(SqlWriter.Tx tx, String runId, String ts) throws SQLException {
        PreparedStatement it = tx.prepare("UPDATE agent_iterations SET status = 'interrupted', ended_at = ?"
                + " WHERE run_id = ? AND status = 'running'");
        it.setString(1, ts);
        it.setString(2, runId);
        it.executeUpdate();
        PreparedStatement tasks = tx.prepare("UPDATE background_tasks SET status = 'stopped', ended_at = ?"
                + " WHERE run_id = ? AND status = 'running'");
        tasks.setString(1, ts);
        tasks.setString(2, runId);
        tasks.executeUpdate();
        PreparedStatement asks = tx.prepare("UPDATE permission_requests SET status = 'expired', answered_at = ?,"
                + " reason = 'the run ended' WHERE run_id = ? AND status = 'pending'");
        asks.setString(1, ts);
        asks.setString(2, runId);
        asks.executeUpdate();
    }

    public CompletableFuture<Void> permissionRequested(String runId, Message.PermissionRequest request, String ts) {
        return writer.submit(tx -> {
            PreparedStatement st = tx.prepare("INSERT INTO permission_requests(id, run_id, tool, input_json, rationale,"
                    + " status, created_at) VALUES (?,?,?,?,?,'pending',?)");
            st.setString(1, request.requestId());
            st.setString(2, runId);
            st.setString(3, request.tool());
            st.setString(4, request.input().toString());
            st.setString(5, request.rationale());
            st.setString(6, ts);
            st.executeUpdate();
            return null;
        });
    }

    /**
     * Answers a pending request ({@code approved}, {@code denied} or {@code expired}).
     *
     * @return false when the request was not pending (unknown, or answered before)
     */
    public CompletableFuture<Boolean> permissionAnswered(String id, String status, String reason, String ts) {
        return writer.submit(tx -> {
            PreparedStatement st = tx.prepare("UPDATE permission_requests SET status = ?, reason = ?, answered_at = ?"
                    + " WHERE id = ? AND status = 'pending'");
            st.setString(1, status);
            st.setString(2, reason);
            st.setString(3, ts);
            st.setString(4, id);
            return st.executeUpdate() == 1;
        });
    }

    /** One request, or the pending ones (newest last) when {@code id} is null; with the run's name. */
    public List<PermissionRow> permissions(String id) throws SQLException {
        String sql = "SELECT p.id, p.run_id, r.name, p.tool, p.input_json, p.rationale, p.status, p.created_at,"
                + " p.answered_at, p.reason FROM permission_requests p LEFT JOIN agent_runs r ON r.id = p.run_id"
                + (id == null ? " WHERE p.status = 'pending' ORDER BY p.created_at" : " WHERE p.id = ?");
        synchronized (reader) {
            try (PreparedStatement st = reader.prepareStatement(sql)) {
                if (id != null) {
                    st.setString(1, id);
                }
                List<PermissionRow> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new PermissionRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                parse(rs.getString(5)), rs.getString(6), rs.getString(7), rs.getString(8),
                                rs.getString(9), rs.getString(10)));
                    }
                }
                return rows;
            }
        }
    }

    public CompletableFuture<Void> taskStarted(String runId, String taskId, String command, String outputPath, String ts) {
        return writer.submit(tx -> {
            PreparedStatement st = tx.prepare("INSERT OR REPLACE INTO background_tasks(run_id, task_id, command, status,"
                    + " started_at, output_path) VALUES (?,?,?,'running',?,?)");
            st.setString(1, runId);
            st.setString(2, taskId);
            st.setString(3, command);
            st.setString(4, ts);
            st.setString(5, outputPath);
            st.executeUpdate();
            return null;
        });
    }

    public CompletableFuture<Void> taskDone(String runId, Message.TaskDone done, String outputPath, String ts) {
        return writer.submit(tx -> {
            PreparedStatement st = tx.prepare("INSERT INTO background_tasks(run_id, task_id, command, status, exit_code,"
                    + " started_at, ended_at, output_path) VALUES (?,?,'',?,?,?,?,?) ON CONFLICT(run_id, task_id) DO UPDATE"
                    + " SET status = excluded.status, exit_code = excluded.exit_code, ended_at = excluded.ended_at");
            st.setString(1, runId);
            st.setString(2, done.taskId());
            st.setString(3, done.status().wireName());
            setInt(st, 4, done.exitCode());
            st.setString(5, ts);
            st.setString(6, ts);
            st.setString(7, outputPath);
            st.executeUpdate();
            return null;
        });
    }

    public List<TaskRow> tasks(String runId) throws SQLException {
        synchronized (reader) {
            try (PreparedStatement st = reader.prepareStatement("SELECT run_id, task_id, command, status, exit_code,"
                    + " started_at, ended_at, output_path FROM background_tasks WHERE run_id = ? ORDER BY rowid")) {
                st.setString(1, runId);
                List<TaskRow> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new TaskRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                nullableInt(rs, 5), rs.getString(6), rs.getString(7), rs.getString(8)));
                    }
                }
                return rows;
            }
        }
    }

    /** Appends to {@code daemon_events}; listeners hear of it after the commit. */
    public CompletableFuture<EventRow> event(String kind, String runId, ObjectNode payload) {
        return eventJson(kind, runId, payload == null ? null : payload.toString());
    }

    /** As {@link #event(String, String, ObjectNode)}, with the payload already as JSON text. */
    public CompletableFuture<EventRow> eventJson(String kind, String runId, String json) {
        String ts = Timestamps.now();
        return writer.submit(tx -> insertEvent(tx, ts, kind, runId, json));
    }

    private EventRow insertEvent(SqlWriter.Tx tx, String ts, String kind, String runId, String json) throws SQLException {
        PreparedStatement st = tx.prepare("INSERT INTO daemon_events(ts, kind, run_id, payload_json) VALUES (?,?,?,?)"
                + " RETURNING id");
        st.setString(1, ts);
        st.setString(2, kind);
        st.setString(3, runId);
        st.setString(4, json);
        long id;
        try (ResultSet rs = st.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
        }
        EventRow row = new EventRow(id, ts, kind, runId, json);
        tx.afterCommit(() -> listeners.forEach(l -> l.accept(row)));
        return row;
    }

    // ---- reads -------------------------------------------------------------------------------

    public Optional<RunRow> run(String runId) throws SQLException {
        return runs("SELECT " + RUN_COLUMNS + " FROM agent_runs WHERE id = ?", runId).stream().findFirst();
    }

    /** The live run of that name, if any; at most one exists. */
    public Optional<RunRow> liveRun(String name) throws SQLException {
        return runs("SELECT " + RUN_COLUMNS + " FROM agent_runs WHERE name = ? AND status IN " + LIVE
                + " ORDER BY started_at DESC LIMIT 1", name).stream().findFirst();
    }

    /** The live run of that name, else its most recent one. */
    public Optional<RunRow> latestRun(String name) throws SQLException {
        Optional<RunRow> live = liveRun(name);
        if (live.isPresent()) {
            return live;
        }
        return runs("SELECT " + RUN_COLUMNS + " FROM agent_runs WHERE name = ? ORDER BY started_at DESC, rowid DESC"
                + " LIMIT 1", name).stream().findFirst();
    }

    public List<RunRow> listRuns(boolean includeEnded) throws SQLException {
        return runs("SELECT " + RUN_COLUMNS + " FROM agent_runs"
                + (includeEnded ? "" : " WHERE status IN " + LIVE) + " ORDER BY started_at, rowid");
    }

    /** The last {@code limit} iterations of a run, oldest first. */
    public List<IterationRow> iterations(String runId, int limit) throws SQLException {
        synchronized (reader) {
            try (PreparedStatement st = reader.prepareStatement("SELECT * FROM (SELECT run_id, iteration, started_at,"
                    + " ended_at, status, duration_s, summary, tokens_in, tokens_out, cost_usd FROM agent_iterations"
                    + " WHERE run_id = ? ORDER BY iteration DESC LIMIT ?) ORDER BY iteration")) {
                st.setString(1, runId);
                st.setInt(2, limit);
                List<IterationRow> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new IterationRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), nullableDouble(rs, 6),
                                rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getDouble(10)));
                    }
                }
                return rows;
            }
        }
    }

    /**
     * Events with an id above {@code afterId}, oldest first; of one run when {@code runId} is
     * not null. With {@code tail} the last {@code limit} such events, else the first.
     */
    public List<EventRow> events(long afterId, String runId, int limit, boolean tail) throws SQLException {
        String where = "id > ?" + (runId == null ? "" : " AND run_id = ?");
        String sql = tail
                ? "SELECT * FROM (SELECT id, ts, kind, run_id, payload_json FROM daemon_events WHERE " + where
                        + " ORDER BY id DESC LIMIT ?) ORDER BY id"
                : "SELECT id, ts, kind, run_id, payload_json FROM daemon_events WHERE " + where + " ORDER BY id LIMIT ?";
        synchronized (reader) {
            try (PreparedStatement st = reader.prepareStatement(sql)) {
                int i = 1;
                st.setLong(i++, afterId);
                if (runId != null) {
                    st.setString(i++, runId);
                }
                st.setInt(i, limit);
                List<EventRow> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new EventRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5)));
                    }
                }
                return rows;
            }
        }
    }

    /** Number of runs per status, every status present (zero when none). */
    public Map<String, Integer> countByStatus() throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (RunStatus s : RunStatus.values()) {
            counts.put(s.dbName(), 0);
        }
        synchronized (reader) {
            try (Statement st = reader.createStatement();
                    ResultSet rs = st.executeQuery("SELECT status, count(*) FROM agent_runs GROUP BY status")) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return counts;
    }

    /** Commits what is queued and closes both connections. */
    @Override
    public void close() {
        writer.close();
        synchronized (reader) {
            try {
                reader.close();
            } catch (SQLException ignored) {
                // nothing left to lose: every write was committed by the writer's close
            }
        }
    }

    private List<RunRow> runs(String sql, String... params) throws SQLException {
        synchronized (reader) {
            try (PreparedStatement st = reader.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    st.setString(i + 1, params[i]);
                }
                List<RunRow> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new RunRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                RunStatus.fromDb(rs.getString(5)), rs.getString(6), rs.getString(7), rs.getString(8),
                                nullableLong(rs, 9), rs.getInt(10) != 0, rs.getString(11), rs.getInt(12),
                                rs.getString(13), rs.getString(14), rs.getInt(15), rs.getLong(16), rs.getLong(17),
                                rs.getDouble(18), nullableInt(rs, 19), rs.getString(20)));
                    }
                }
                return rows;
            }
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Double nullableDouble(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    private static Integer nullableInt(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static void setLong(PreparedStatement st, int i, Long v) throws SQLException {
        if (v == null) {
            st.setNull(i, Types.INTEGER);
        } else {
            st.setLong(i, v);
        }
    }

    private static void setInt(PreparedStatement st, int i, Integer v) throws SQLException {
        if (v == null) {
            st.setNull(i, Types.INTEGER);
        } else {
            st.setInt(i, v);
        }
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }
}
