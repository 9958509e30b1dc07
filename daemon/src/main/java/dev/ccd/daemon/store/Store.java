package dev.ccd.daemon.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * {@code ccd.db}: the record users inspect. Writes go through one {@link SqlWriter} thread and
 * complete once committed; reads go through a {@link ReadConnection} and see only committed rows.
 *
 * <p>Threading: any thread may call any method. A write's future completes after its commit on
 * a thread of the store's own, never the writer's, so its stages may block, even on another
 * write; listeners are called on one other thread, in event id order (see {@link AfterCommit}).
 */
// Over 400 lines: this is the one API of the record, each write or read a few lines over the shared
// helpers; split by table, the transaction rules (a status with its event, a run's end with its
// open rows) that read here in one place would be scattered.
public final class Store implements AutoCloseable {

    private static final String LIVE = RunStatus.liveSqlList();
    /**
     * Not in RUN_COLUMNS, which a new row is inserted with: a run's end reason comes with its end,
     * its resumes and cache tokens with its life.
     */
    private static final String SELECT_RUNS = "SELECT " + Rows.RUN_COLUMNS
            + ", end_reason, resume_count, cache_read_tokens, cache_write_tokens FROM agent_runs";

    /** 64 MiB: the most a checkpointed WAL keeps of its file. */
    static final long JOURNAL_SIZE_LIMIT = 64L * 1024 * 1024;

    private final SqlWriter writer;
    private final Path file;
    private final ReadConnection reader;
    private final List<Consumer<EventRow>> listeners = new CopyOnWriteArrayList<>();

    private Store(SqlWriter writer, ReadConnection reader, Path file) {
        this.writer = writer;
        this.reader = reader;
        this.file = file;
    }

    /** Opens (creating and migrating as needed) the database file. */
    public static Store open(Path file) throws SQLException {
        return open(file, WriterSettings.DEFAULTS);
    }

    static Store open(Path file, WriterSettings settings) throws SQLException {
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        SqlWriter.Opener opener = () -> openWrite(url, settings);
        SqlWriter writer = null;
        Connection read = null;
        try {
            try (Connection migrate = opener.open()) {
                Schema.migrate(migrate);
            }
            writer = new SqlWriter(opener, settings, file);
            read = DriverManager.getConnection(url);
            try (Statement st = read.createStatement()) {
                st.execute("PRAGMA busy_timeout=" + settings.busyTimeoutMs());
            }
            Store store = new Store(writer, new ReadConnection(read), file);
            writer.onRecovered(store::recovered);
            return store;
        } catch (SQLException | RuntimeException e) {
            // a refused or unreadable file must not stay open (and locked) behind the error
            closeQuietly(read, e);
            if (writer != null) {
                writer.close();
            }
            throw e;
        }
    }

    /** A write connection: at open, and again whenever the writer had to drop a broken one. */
    private static Connection openWrite(String url, WriterSettings settings) throws SQLException {
        // The driver would look for generated keys after every insert (a regex over the SQL and
        // an extra query): a third of the writer's time. Event ids come from RETURNING instead.
        Properties options = new Properties();
        options.setProperty("jdbc.get_generated_keys", "false");
        Connection write = DriverManager.getConnection(url, options);
        try (Statement st = write.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("PRAGMA synchronous=NORMAL");
            st.execute("PRAGMA busy_timeout=" + settings.busyTimeoutMs());
            // what a checkpoint leaves of the WAL file; the writer's own checkpoints truncate it
            st.execute("PRAGMA journal_size_limit=" + JOURNAL_SIZE_LIMIT);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(write, e);
            throw e;
        }
        return write;
    }

    /** After the commit that ended a trouble, on the writer thread: the record says it healed. */
    private void recovered(Trouble.Recovery r) {
        ObjectNode payload = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("cause", r.reason())
                .put("duration_s", Math.round(r.seconds() * 10) / 10.0)
                .put("retries", r.retries())
                .put("writes_waited", r.writesWaited());
        event("record_recovered", null, payload);
    }

    /** ok or degraded (since when, why), the writes waiting, the WAL's size and any warning about it. */
    public StoreHealth health() {
        Trouble.State t = writer.trouble();
        long wal;
        try {
            Path walFile = Path.of(file.toAbsolutePath() + "-wal");
            wal = Files.exists(walFile) ? Files.size(walFile) : 0;
        } catch (IOException e) {
            wal = -1;
        }
        return new StoreHealth(t == null ? "ok" : "degraded", t == null ? null : t.since().toString(),
                t == null ? null : t.reason(), writer.queued(), wal, writer.walWarning());
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Called once for each event after its commit, in event id order, on one thread of the
     * store's own; a slow listener delays later events, never a write.
     */
    public void addEventListener(Consumer<EventRow> listener) {
        listeners.add(listener);
    }

    public void removeEventListener(Consumer<EventRow> listener) {
        listeners.remove(listener);
    }

    // ---- writes ------------------------------------------------------------------------------

    public CompletableFuture<Void> insertRun(RunRow r) {
        return writer.submit(tx -> {
            tx.update("INSERT INTO agent_runs(" + Rows.RUN_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    r.id(), r.name(), r.template(), r.args(), r.status().dbName(), r.provider(), r.model(),
                    r.workdir(), r.pid(), r.autoApprove(), r.restartOf(), r.restartCount(), r.startedAt(),
                    r.endedAt(), r.lastIteration(), r.tokensIn(), r.tokensOut(), r.costUsd(), r.exitCode(), r.error(),
                    r.sandbox(), r.network(), r.placement(), r.slurmJobId(), r.placementState());
            return null;
        });
    }

    /**
     * Records what the scheduler says of a run's job (its id, its state and reason), with the
     * event that tells it, in one transaction; {@code kind} null records no event.
     */
    public CompletableFuture<Void> setPlacement(String runId, long jobId, String state, String kind,
            ObjectNode payload) {
        String ts = Timestamps.now();
        String json = payload == null ? null : payload.toString();
        return writer.submit(tx -> tx.atomically(t -> {
            t.update("UPDATE agent_runs SET slurm_job_id = ?, placement_state = ? WHERE id = ?", jobId, state, runId);
            if (kind != null) {
                insertEvent(t, ts, kind, runId, json);
            }
            return null;
        }));
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
            t.update("UPDATE agent_runs SET status = ? WHERE id = ? AND status IN " + LIVE + " AND status != 'stopping'",
                    status.dbName(), runId);
            return insertEvent(t, ts, kind, runId, json);
        }));
    }

    /**
     * A budget pause: the status and its event, and the usage the runner counted, which the
     * budget compares, so that every figure shown is that one. The part of it the open iteration
     * has used so far (it has not ended, so its own account has not come) is put on that
     * iteration, and the run's totals become the runner's; the iteration's end then adds only the
     * rest. A restarted run's runner counts its whole lineage (a restart goes on from the crashed
     * run's checkpoint, budget included); what the runs before it recorded is theirs, not this row's.
     */
    public CompletableFuture<EventRow> pausedBudget(String runId, Usage lineageUsed, ObjectNode payload) {
        String ts = Timestamps.now();
        String json = payload.toString();
        return writer.submit(tx -> tx.atomically(t -> {
            Usage used = withoutEarlierRuns(t, runId, lineageUsed);
            String open = " WHERE run_id = ? AND status = 'running' AND iteration ="
                    + " (SELECT max(iteration) FROM agent_iterations WHERE run_id = ?)";
            String more = "max(0, ? - (SELECT %s FROM agent_runs WHERE id = ?))";
            t.update("UPDATE agent_iterations SET tokens_in = tokens_in + " + more.formatted("tokens_in")
                    + ", tokens_out = tokens_out + " + more.formatted("tokens_out")
                    + ", cost_usd = cost_usd + " + more.formatted("cost_usd") + open,
                    used.tokensIn(), runId, used.tokensOut(), runId, used.costUsd(), runId, runId, runId);
            t.update("UPDATE agent_runs SET tokens_in = max(tokens_in, ?), tokens_out = max(tokens_out, ?),"
                    + " cost_usd = max(cost_usd, ?) WHERE id = ?", used.tokensIn(), used.tokensOut(), used.costUsd(), runId);
            t.update("UPDATE agent_runs SET status = ? WHERE id = ? AND status IN " + LIVE + " AND status != 'stopping'",
                    RunStatus.PAUSED_BUDGET.dbName(), runId);
            return insertEvent(t, ts, "paused_budget", runId, json);
        }));
    }

    /** {@code used} less the totals of the runs this one restarted, back to the first of its lineage. */
    private static Usage withoutEarlierRuns(SqlWriter.Tx t, String runId, Usage used) throws SQLException {
        PreparedStatement st = t.prepare("WITH RECURSIVE chain(id) AS (SELECT restart_of FROM agent_runs WHERE id = ?"
                + " AND restart_of IS NOT NULL UNION SELECT r.restart_of FROM agent_runs r JOIN chain c ON r.id = c.id"
                + " WHERE r.restart_of IS NOT NULL) SELECT coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0),"
                + " coalesce(sum(cost_usd), 0) FROM agent_runs WHERE id IN (SELECT id FROM chain)");
        Rows.bind(st, runId);
        try (ResultSet rs = st.executeQuery()) {
            if (!rs.next() || rs.getLong(1) + rs.getLong(2) == 0 && rs.getDouble(3) == 0) {
                return used;
            }
            return new Usage(Math.max(0, used.tokensIn() - rs.getLong(1)), Math.max(0, used.tokensOut() - rs.getLong(2)),
                    Math.max(0, used.costUsd() - rs.getDouble(3)), used.iterations(), used.cacheWriteTokens(),
                    used.cacheReadTokens());
        }
    }

    /** Completes once every write submitted before it is committed (it writes nothing itself). */
    public CompletableFuture<Void> committed() {
        return writer.submit(tx -> null);
    }

    public CompletableFuture<Void> setRunning(String runId, long pid) {
        // the pid always; 'running' only from 'starting': a stop, a pause or a question the
        // runner's first messages already recorded keep their status, and so does an end
        return update("UPDATE agent_runs SET pid = ?, status = CASE WHEN status = 'starting' THEN 'running'"
                + " ELSE status END WHERE id = ?", pid, runId);
    }

    public CompletableFuture<Void> iterationStarted(String runId, int iteration, String ts) {
        return update("INSERT OR REPLACE INTO agent_iterations(run_id, iteration, started_at, status)"
                + " VALUES (?,?,?,'running')", runId, iteration, ts);
    }

    /**
     * Records the end of an iteration and adds its usage to the run's totals, in one commit. What
     * a pause already counted of this iteration ({@link #pausedBudget}) is not counted twice.
     */
    public CompletableFuture<Void> iterationDone(String runId, Message.IterationDone done, String ts) {
        return writer.submit(tx -> {
            // what a pause already put on this iteration (its row, if any) is not counted twice
            tx.update("UPDATE agent_runs SET last_iteration = max(last_iteration, ?), tokens_in = agent_runs.tokens_in + ?"
                    + " - c.tokens_in, tokens_out = agent_runs.tokens_out + ? - c.tokens_out, cost_usd = agent_runs.cost_usd"
                    + " + ? - c.cost_usd, cache_write_tokens = agent_runs.cache_write_tokens + ? - c.cache_write_tokens,"
                    + " cache_read_tokens = agent_runs.cache_read_tokens + ? - c.cache_read_tokens,"
                    + " model_calls = agent_runs.model_calls + ? - c.model_calls,"
                    + " model_retries = agent_runs.model_retries + ? - c.model_retries,"
                    + " model_seconds = agent_runs.model_seconds + ? - c.model_seconds,"
                    + " estimated_tokens = agent_runs.estimated_tokens + ? - c.estimated_tokens"
                    + " FROM (SELECT coalesce(max(tokens_in), 0) AS tokens_in, coalesce(max(tokens_out), 0) AS tokens_out,"
                    + " coalesce(max(cost_usd), 0) AS cost_usd, coalesce(max(cache_write_tokens), 0) AS cache_write_tokens,"
                    + " coalesce(max(cache_read_tokens), 0) AS cache_read_tokens, coalesce(max(model_calls), 0) AS model_calls,"
                    + " coalesce(max(model_retries), 0) AS model_retries, coalesce(max(model_seconds), 0) AS model_seconds,"
                    + " coalesce(max(estimated_tokens), 0) AS estimated_tokens"
                    + " FROM agent_iterations WHERE run_id = ? AND iteration = ?) AS c WHERE agent_runs.id = ?",
                    done.iteration(), done.tokensIn(), done.tokensOut(), done.costUsd(), done.cacheWriteTokens(),
                    done.cacheReadTokens(), done.modelCalls(), done.modelRetries(), done.modelSeconds(),
                    done.estimatedTokens(), runId, done.iteration(), runId);
            tx.update("INSERT INTO agent_iterations(" + Rows.ITERATION_COLUMNS + ", cache_write_tokens, cache_read_tokens,"
                    + " model_calls, model_retries, model_seconds, estimated_tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    + " ON CONFLICT(run_id, iteration) DO UPDATE SET ended_at = excluded.ended_at,"
                    + " status = excluded.status, duration_s = excluded.duration_s, summary = excluded.summary,"
                    + " tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd,"
                    + " cache_write_tokens = excluded.cache_write_tokens, cache_read_tokens = excluded.cache_read_tokens,"
                    + " model_calls = excluded.model_calls, model_retries = excluded.model_retries,"
                    + " model_seconds = excluded.model_seconds, estimated_tokens = excluded.estimated_tokens",
                    runId, done.iteration(), ts, ts, done.status().wireName(), done.durationS(), done.summary(), done.tokensIn(),
                    done.tokensOut(), done.costUsd(), done.cacheWriteTokens(), done.cacheReadTokens(), done.modelCalls(),
                    done.modelRetries(), done.modelSeconds(), done.estimatedTokens());
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
        String endReason = event.path("end_reason").asText(event.path("reason").asText(status.dbName()));
        return writer.submit(tx -> tx.atomically(t -> {
            insertEvent(t, ts, "run_ended", runId, eventJson);
            boolean ended = t.update("UPDATE agent_runs SET status = ?, exit_code = ?, error = ?, ended_at = ?, end_reason = ?"
                    + " WHERE id = ? AND status IN " + LIVE, status.dbName(), exitCode, error, ts, endReason, runId) == 1;
            if (ended) {
                closeOpenRows(t, runId, ts);
            }
            return ended;
        }));
    }

    /**
     * Makes an ended run live again for a resume: {@code starting}, its end cleared, its resume
     * count up by one, with its {@code run_resumed} event, in one transaction. A run that is live
     * is left as it is.
     *
     * @return true when this call took the run back
     */
    public CompletableFuture<Boolean> resumeRun(String runId, String ts, ObjectNode event) {
        String eventJson = event.toString();
        return writer.submit(tx -> tx.atomically(t -> {
            boolean resumed = t.update("UPDATE agent_runs SET status = 'starting', pid = NULL, ended_at = NULL,"
                    + " exit_code = NULL, error = NULL, end_reason = NULL, placement_state = NULL, slurm_job_id = NULL,"
                    + " resume_count = resume_count + 1"
                    + " WHERE id = ? AND status NOT IN " + LIVE, runId) == 1;
            if (resumed) {
                insertEvent(t, ts, "run_resumed", runId, eventJson);
            }
            return resumed;
        }));
    }

    /**
     * The runs the last daemon's own stop ended ({@code stopped}, asked with "daemon stopping"
     * since the last {@code daemon_started}); call before this start's event is recorded.
     */
    public List<String> stoppedByDaemonStop() throws SQLException {
        return reader.query("SELECT DISTINCT e.run_id FROM daemon_events e JOIN agent_runs r ON r.id = e.run_id"
                + " WHERE e.kind = 'stop_requested' AND json_extract(e.payload_json, '$.reason') = 'daemon stopping'"
                + " AND r.status = 'stopped' AND e.id > coalesce((SELECT max(id) FROM daemon_events"
                + " WHERE kind = 'daemon_started'), 0)", rs -> rs.getString(1));
    }

    /**
     * The highest iteration number a run has recorded, done or not (in its iterations, or as its
     * {@code last_iteration}); 0 for none.
     */
    public int lastIterationNumber(String runId) throws SQLException {
        return reader.first("SELECT max(coalesce((SELECT max(iteration) FROM agent_iterations WHERE run_id = ?), 0),"
                + " coalesce((SELECT last_iteration FROM agent_runs WHERE id = ?), 0))", rs -> rs.getInt(1), runId, runId)
                .orElse(0);
    }

    /** How many times the run was resumed. */
    public int resumeCount(String runId) throws SQLException {
        return reader.first("SELECT resume_count FROM agent_runs WHERE id = ?", rs -> rs.getInt(1), runId).orElse(0);
    }

    /** The latest event of that kind of a run, if any. */
    public Optional<EventRow> lastEvent(String runId, String kind) throws SQLException {
        return reader.first("SELECT " + Rows.EVENT_COLUMNS + " FROM daemon_events WHERE run_id = ? AND kind = ?"
                + " ORDER BY id DESC LIMIT 1", Rows::event, runId, kind);
    }

    /**
     * At daemon start: every run still in a live status lost its daemon. Each ends at the last
     * sign of life there is of it: the daemon's last heartbeat, or the run's own last activity if
     * that is later, never after {@code ts} (the start). A database without a heartbeat (written
     * before there was one) gives the run's last activity. Returns their ids.
     */
    public CompletableFuture<List<String>> markLiveRunsInterrupted(String ts) {
        return writer.submit(tx -> {
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = tx.prepare("SELECT id FROM agent_runs WHERE status IN " + LIVE).executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            for (String id : ids) {
                String endedAt = lastSignOfLife(tx, id);
                if (endedAt == null || endedAt.compareTo(ts) > 0) {
                    endedAt = ts;
                }
                tx.update("UPDATE agent_runs SET status = 'interrupted', end_reason = 'interrupted', ended_at = ?,"
                        + " error = coalesce(error, 'the daemon stopped while the run was live') WHERE id = ?",
                        endedAt, id);
                closeOpenRows(tx, id, endedAt);
            }
            return ids;
        });
    }

    /** The latest of the heartbeat and the run's own timestamps; one format, so text order is time order. */
    private static String lastSignOfLife(SqlWriter.Tx tx, String runId) throws SQLException {
        PreparedStatement st = tx.prepare("SELECT max(t) FROM ("
                + "SELECT ts AS t FROM daemon_heartbeat"
                + " UNION ALL SELECT started_at FROM agent_runs WHERE id = ?"
                + " UNION ALL SELECT max(coalesce(ended_at, started_at)) FROM agent_iterations WHERE run_id = ?"
                + " UNION ALL SELECT max(coalesce(ended_at, started_at)) FROM background_tasks WHERE run_id = ?"
                + " UNION ALL SELECT max(ts) FROM daemon_events WHERE run_id = ?)");
        Rows.bind(st, runId, runId, runId, runId);
        try (ResultSet rs = st.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The daemon is alive at {@code ts}: see {@link #markLiveRunsInterrupted}. */
    public CompletableFuture<Void> heartbeat(String ts) {
        return update("INSERT INTO daemon_heartbeat(id, ts) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET ts = excluded.ts",
                ts);
    }

    /** The last heartbeat recorded, if any. */
    public Optional<String> lastHeartbeat() throws SQLException {
        return reader.first("SELECT ts FROM daemon_heartbeat WHERE id = 1", rs -> rs.getString(1));
    }

    /** A run that ended leaves no iteration or task marked as still going. */
    private static void closeOpenRows(SqlWriter.Tx tx, String runId, String ts) throws SQLException {
        tx.update("UPDATE agent_iterations SET status = 'interrupted', ended_at = ? WHERE run_id = ?"
                + " AND status = 'running'", ts, runId);
        tx.update("UPDATE background_tasks SET status = 'stopped', ended_at = ? WHERE run_id = ?"
                + " AND status = 'running'", ts, runId);
        tx.update("UPDATE permission_requests SET status = 'expired', answered_at = ?, reason = 'the run ended'"
                + " WHERE run_id = ? AND status = 'pending'", ts, runId);
    }

    public CompletableFuture<Void> permissionRequested(String runId, Message.PermissionRequest request, String ts) {
        return update("INSERT INTO permission_requests(id, run_id, tool, input_json, rationale, status, created_at)"
                + " VALUES (?,?,?,?,?,'pending',?)", request.requestId(), runId, request.tool(),
                request.input().toString(), request.rationale(), ts);
    }

    /**
     * Answers a pending request ({@code approved}, {@code denied} or {@code expired}).
     *
     * @return false when the request was not pending (unknown, or answered before)
     */
    public CompletableFuture<Boolean> permissionAnswered(String id, String status, String reason, String ts) {
        return writer.submit(tx -> tx.update("UPDATE permission_requests SET status = ?, reason = ?, answered_at = ?"
                + " WHERE id = ? AND status = 'pending'", status, reason, ts, id) == 1);
    }

    /**
     * An answer recorded but not delivered to the runner: the request is {@code expired} with
     * {@code reason}, so that the record never claims an approval the runner did not get.
     */
    public CompletableFuture<Void> permissionUndelivered(String id, String reason, String ts) {
        return update("UPDATE permission_requests SET status = 'expired', reason = ?, answered_at = ?"
                + " WHERE id = ? AND status IN ('approved', 'denied')", reason, ts, id);
    }

    public CompletableFuture<Void> taskStarted(String runId, String taskId, String command, String outputPath, String ts) {
        return update("INSERT OR REPLACE INTO background_tasks(run_id, task_id, command, status, started_at,"
                + " output_path) VALUES (?,?,?,'running',?,?)", runId, taskId, command, ts, outputPath);
    }

    public CompletableFuture<Void> taskDone(String runId, Message.TaskDone done, String outputPath, String ts) {
        return update("INSERT INTO background_tasks(" + Rows.TASK_COLUMNS + ") VALUES (?,?,'',?,?,?,?,?)"
                + " ON CONFLICT(run_id, task_id) DO UPDATE SET status = excluded.status,"
                + " exit_code = excluded.exit_code, ended_at = excluded.ended_at",
                runId, done.taskId(), done.status().wireName(), done.exitCode(), ts, ts, outputPath);
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
        Rows.bind(st, ts, kind, runId, json);
        long id;
        try (ResultSet rs = st.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
        }
        EventRow row = new EventRow(id, ts, kind, runId, json);
        tx.afterCommit(() -> listeners.forEach(l -> l.accept(row)));
        return row;
    }

    /** One statement of its own, its future completed once committed. */
    private CompletableFuture<Void> update(String sql, Object... params) {
        return writer.submit(tx -> {
            tx.update(sql, params);
            return null;
        });
    }

    // ---- reads -------------------------------------------------------------------------------

    public Optional<RunRow> run(String runId) throws SQLException {
        return reader.first(SELECT_RUNS + " WHERE id = ?", Rows::run, runId);
    }

    /** The live run of that name, if any; at most one exists. */
    public Optional<RunRow> liveRun(String name) throws SQLException {
        return reader.first(SELECT_RUNS + " WHERE name = ? AND status IN " + LIVE + " ORDER BY started_at DESC LIMIT 1",
                Rows::run, name);
    }

    /** The live run of that name, else its most recent one. */
    public Optional<RunRow> latestRun(String name) throws SQLException {
        Optional<RunRow> live = liveRun(name);
        if (live.isPresent()) {
            return live;
        }
        return reader.first(SELECT_RUNS + " WHERE name = ? ORDER BY started_at DESC, rowid DESC LIMIT 1", Rows::run,
                name);
    }

    public List<RunRow> listRuns(boolean includeEnded) throws SQLException {
        return reader.query(SELECT_RUNS + (includeEnded ? "" : " WHERE status IN " + LIVE) + " ORDER BY started_at, rowid",
                Rows::run);
    }

    /** The last {@code limit} iterations of a run, oldest first. */
    public List<IterationRow> iterations(String runId, int limit) throws SQLException {
        return reader.query("SELECT * FROM (SELECT " + Rows.ITERATION_COLUMNS + " FROM agent_iterations WHERE run_id = ?"
                + " ORDER BY iteration DESC LIMIT ?) ORDER BY iteration", Rows::iteration, runId, limit);
    }

    /**
     * Events with an id above {@code afterId}, oldest first; of one run when {@code runId} is
     * not null. With {@code tail} the last {@code limit} such events, else the first.
     */
    public List<EventRow> events(long afterId, String runId, int limit, boolean tail) throws SQLException {
        String select = "SELECT " + Rows.EVENT_COLUMNS + " FROM daemon_events WHERE id > ?"
                + (runId == null ? "" : " AND run_id = ?");
        String sql = tail ? "SELECT * FROM (" + select + " ORDER BY id DESC LIMIT ?) ORDER BY id"
                : select + " ORDER BY id LIMIT ?";
        Object[] params = runId == null ? new Object[] {afterId, limit} : new Object[] {afterId, runId, limit};
        return reader.query(sql, Rows::event, params);
    }

    /** One request, or the pending ones (newest last) when {@code id} is null; with the run's name. */
    public List<PermissionRow> permissions(String id) throws SQLException {
        String sql = "SELECT " + Rows.PERMISSION_COLUMNS + " FROM permission_requests p"
                + " LEFT JOIN agent_runs r ON r.id = p.run_id";
        return id == null ? reader.query(sql + " WHERE p.status = 'pending' ORDER BY p.created_at", Rows::permission)
                : reader.query(sql + " WHERE p.id = ?", Rows::permission, id);
    }

    public List<TaskRow> tasks(String runId) throws SQLException {
        return reader.query("SELECT " + Rows.TASK_COLUMNS + " FROM background_tasks WHERE run_id = ? ORDER BY rowid",
                Rows::task, runId);
    }

    /** Ended iterations of all runs of one name and provider with one status: how many, how long in all. */
    public record IterationTotals(String name, String provider, String status, long count, double seconds) {
    }

    /** The ended iterations in the record, summed by run name, provider and status (for {@code /metrics}). */
    public List<IterationTotals> iterationTotals() throws SQLException {
        return reader.query("SELECT r.name, r.provider, i.status, count(*), coalesce(sum(i.duration_s), 0)"
                + " FROM agent_iterations i JOIN agent_runs r ON r.id = i.run_id WHERE i.status <> 'running'"
                + " GROUP BY r.name, r.provider, i.status ORDER BY 1, 2, 3",
                rs -> new IterationTotals(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getDouble(5)));
    }

    /**
     * Of all runs of one name and provider: their resumes, prompt-cache tokens and model call
     * statistics (calls answered, retries, seconds in calls, estimated tokens), summed.
     */
    public record RunCounters(String name, String provider, long resumes, long cacheReadTokens, long cacheWriteTokens,
            long modelCalls, long modelRetries, double modelSeconds, long estimatedTokens) {
    }

    /** {@link RunCounters} by run name and provider (for {@code /metrics}). */
    public List<RunCounters> runCounters() throws SQLException {
        return reader.query("SELECT name, provider, sum(resume_count), sum(cache_read_tokens), sum(cache_write_tokens),"
                + " sum(model_calls), sum(model_retries), sum(model_seconds), sum(estimated_tokens)"
                + " FROM agent_runs GROUP BY name, provider ORDER BY 1, 2",
                rs -> new RunCounters(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getDouble(8), rs.getLong(9)));
    }

    /** Number of runs per status, every status present (zero when none). */
    public Map<String, Integer> countByStatus() throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (RunStatus s : RunStatus.values()) {
            counts.put(s.dbName(), 0);
        }
        for (Map.Entry<String, Integer> count : reader.query("SELECT status, count(*) FROM agent_runs GROUP BY status",
                rs -> Map.entry(rs.getString(1), rs.getInt(2)))) {
            counts.put(count.getKey(), count.getValue());
        }
        return counts;
    }

    /** Commits what is queued and closes both connections. */
    @Override
    public void close() {
        writer.close();
        reader.close();
    }
}
