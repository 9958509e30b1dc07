package dev.ccd.daemon.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes to {@code ccd.db}. Callers submit actions from any thread; the
 * writer takes whatever is queued (up to {@link #MAX_BATCH}), runs it in one transaction,
 * commits, and only then hands the callers' futures and the after-commit hooks to
 * {@link AfterCommit}. So a completed future means the write is committed, and a burst of writes
 * costs one commit, not one per row.
 *
 * <p>Threading: the connection, its statement cache, the {@link Tx}, the {@link Trouble} counters
 * and the {@link Checkpointer} belong to the writer thread ({@code ccd-sql-writer}) alone. Of the
 * callers' code it runs the actions and nothing else: the stages of their futures and the hooks
 * run on the threads of {@link AfterCommit}, which says which (and names its one last resort).
 * {@link #submit} and {@link #close} may be called from any thread and exclude each other on
 * {@link #gate}: a job is queued only while jobs are taken, so none can land behind the stop
 * pill, and every job submitted before close() commits (or fails) before the writer stops.
 *
 * <p>Back-pressure: at most {@link WriterSettings#queueBound} writes wait ({@link #room}). When
 * they are all taken, a runner's reader thread ({@code runner-reader-*}) waits for room as long
 * as it takes, so the daemon stops reading that runner's pipe and the runner blocks on its
 * writes: nothing is dropped. Any other thread (a control call) waits a bounded time, then gets
 * an exception that says what holds the record.
 *
 * <p>Failures. What an action throws fails its own future only ({@link Failures} says which):
 * the other actions of the batch still commit, and so do the failed action's earlier statements
 * unless it ran them {@link Tx#atomically}. A failure of the database instead (a lock held by
 * another process, a full disk, an I/O error, a broken connection), from an action or from the
 * commit, rolls the batch back and runs it again after a backoff, for as long as the writer
 * lives: later jobs wait behind it, in order. A connection that may be broken is closed and a new
 * one opened. Only close() gives up, after {@link WriterSettings#closeGiveUp}. Anything thrown
 * outside an action (an Error from the commit, or from the writer's own code) ends the writer:
 * it is logged at ERROR, the batch in hand and every queued job fail with
 * {@code IllegalStateException("the ccd.db writer stopped: <cause>")}, and so does every later
 * submit.
 */
final class SqlWriter implements AutoCloseable {

    static final int MAX_BATCH = 2048;
    /** The threads that read a runner's pipe: they wait for room as long as it takes. */
    static final String RUNNER_READER_PREFIX = "runner-reader-";
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger log = LoggerFactory.getLogger(SqlWriter.class);

    /** Opens a write connection with the store's pragmas: the first, and one after each break. */
    interface Opener {
        Connection open() throws SQLException;
    }

    /** A unit of work run on the writer thread inside a transaction. */
    interface Action<T> {
        T apply(Tx tx) throws SQLException;
    }

    /** What an action may use: prepared statements (cached) and after-commit hooks. */
    final class Tx {
        private final List<Runnable> afterCommit = new ArrayList<>();

        PreparedStatement prepare(String sql) throws SQLException {
            return connection.prepare(sql);
        }

        /** Runs {@code sql} with {@code params} bound as {@link Rows#bind} does; the rows changed. */
        int update(String sql, Object... params) throws SQLException {
            PreparedStatement st = prepare(sql);
            Rows.bind(st, params);
            return st.executeUpdate();
        }

        /** Runs {@code hook} once the batch is committed, on the event thread of {@link AfterCommit}. */
        void afterCommit(Runnable hook) {
            afterCommit.add(hook);
        }

        /**
         * Runs {@code part} so that its statements commit all or none even if it fails halfway
         * (the batch's other writes commit regardless); the hooks it registered go with it.
         */
        <T> T atomically(Action<T> part) throws SQLException {
            int hooks = afterCommit.size();
            Connection c = connection.get();
            Savepoint savepoint = c.setSavepoint();
            try {
                T value = part.apply(this);
                c.releaseSavepoint(savepoint);
                return value;
            } catch (Throwable e) {
                try {
                    c.rollback(savepoint);
                    c.releaseSavepoint(savepoint);
                } catch (SQLException rollback) {
                    // half of the part may stay: only a rerun of the whole batch is sure
                    rollback.addSuppressed(e);
                    throw new Failures.Broken("could not roll back a failed part: " + rollback.getMessage(), rollback);
                }
                afterCommit.subList(hooks, afterCommit.size()).clear();
                throw e;
            }
        }
    }

    /** {@code bounded}: the job holds a permit of {@link #room} (the writer's own do not). */
    private record Job<T>(Action<T> action, CompletableFuture<T> result, boolean bounded) {

        /**
         * Runs the action; returns what completes its future once the batch is committed. A
         * failure of the database is thrown instead: it concerns the whole batch.
         */
        Runnable run(Tx tx) throws SQLException {
            try {
                T value = action.apply(tx);
                return () -> result.complete(value);
            } catch (Throwable e) {
                if (Failures.ofDatabase(e)) {
                    throw (SQLException) e;
                }
                return fail(e);
            }
        }

        Runnable fail(Throwable failure) {
            return () -> result.completeExceptionally(failure);
        }
    }

    /** A run batch: what completes its futures, and its hooks (none when the commit failed). */
    private record Outcome(List<Runnable> completions, List<Runnable> hooks) {
    }

    /** Why submits are refused. */
    private record Refusal(String message, Throwable cause) {
        IllegalStateException exception() {
            return new IllegalStateException(message, cause);
        }
    }

    private static final Job<Void> POISON = new Job<>(tx -> null, new CompletableFuture<>(), false);

    private final WriterSettings settings;
    private final Path dbFile;
    private final WriteConnection connection;
    /** Unbounded, so that the stop pill always fits; {@link #room} bounds the callers' jobs. */
    private final BlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
    private final WriteRoom room;
    private final Trouble trouble;
    private final Checkpointer checkpointer;
    /** Set once by close(): from this System.nanoTime() on, a failing batch is given up. */
    private volatile long giveUpAt;
    private volatile boolean closing;
    /** The writer gave up at close: the batches after fail at once. Writer thread only. */
    private IllegalStateException lost;
    /** Written before the first write can fail; called on the writer thread after a recovery. */
    private volatile Consumer<Trouble.Recovery> onRecovered = r -> { };
    private final AfterCommit after;
    /** Held to queue a job, and to stop taking them, so that the two never interleave. */
    private final Object gate = new Object();
    private final Thread thread;
    /** Null while jobs are taken, then why not. Guarded by {@link #gate}. */
    private Refusal refusal;

    /** For tests: a connection that is reopened the same way it was first opened. */
    SqlWriter(Opener opener) throws SQLException {
        this(opener, WriterSettings.DEFAULTS, null);
    }

    /** {@code dbFile} (may be null) names the place in messages and finds the WAL's readers. */
    SqlWriter(Opener opener, WriterSettings settings, Path dbFile) throws SQLException {
        this.settings = settings;
        this.dbFile = dbFile;
        this.room = new WriteRoom(settings);
        this.trouble = new Trouble(settings.backoffMax().toNanos());
        this.checkpointer = new Checkpointer(settings, dbFile);
        this.connection = new WriteConnection(opener);
        this.after = new AfterCommit();
        this.thread = new Thread(this::loop, "ccd-sql-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called on the writer thread after a commit that ended a trouble (it may submit). */
    void onRecovered(Consumer<Trouble.Recovery> listener) {
        onRecovered = listener;
    }

    /** Degraded since when and why, or null while commits succeed. */
    Trouble.State trouble() {
        return trouble.state();
    }

    String walWarning() {
        return checkpointer.warning();
    }

    /** Writes submitted and not yet done (taken ones included). */
    int queued() {
        return room.used();
    }

    <T> CompletableFuture<T> submit(Action<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        // the writer's own writes (the recovery event) never wait for room: it alone makes room
        boolean bounded = Thread.currentThread() != thread;
        if (bounded) {
            IllegalStateException blocked = room.take(() -> {
                Trouble.State t = trouble.state();
                return t == null ? "the writer is busy" : "held back since " + t.since() + " by: " + t.reason();
            });
            if (blocked != null) {
                result.completeExceptionally(blocked);
                return result;
            }
        }
        Refusal refused;
        synchronized (gate) {
            refused = refusal;
            if (refused == null) {
                queue.add(new Job<>(action, result, bounded));
                return result;
            }
        }
        if (bounded) {
            room.giveBack(1);
        }
        result.completeExceptionally(refused.exception());
        return result;
    }

    private void loop() {
        List<Job<?>> batch = new ArrayList<>(MAX_BATCH);
        try {
            boolean running = true;
            while (running) {
                Job<?> first = queue.poll(settings.checkpointEvery().toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    idle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                running = !batch.remove(POISON);
                Outcome outcome = runBatch(batch);
                int permits = (int) batch.stream().filter(Job::bounded).count();
                batch.clear();
                after.complete(outcome.completions());
                after.afterCommit(outcome.hooks());
                room.giveBack(permits);
                checkpoint();
            }
        } catch (Throwable e) {
            log.error("the ccd.db writer stopped: its pending and later writes fail", e);
            IllegalStateException failure = refuse(new Refusal("the ccd.db writer stopped: " + e, e));
            after.complete(batch.stream().map(job -> job.fail(failure)).toList());
        } finally {
            try {
                failQueued();
                connection.close();
            } finally {
                room.openAll();
                after.shutdown();
            }
        }
    }

    /** Nothing queued for a while: a healing trouble is over, and the WAL may be checkpointed. */
    private void idle() {
        if (trouble.healing()) {
            recovered(trouble.committed(0, true));
        }
        checkpoint();
    }

    private void checkpoint() {
        if (trouble.state() == null) {
            checkpointer.maybeRun(connection.ifOpen());
        }
    }

    private void recovered(Trouble.Recovery recovery) {
        if (recovery != null) {
            onRecovered.accept(recovery);
        }
    }

    /**
     * Runs a batch in one transaction, again and again while the database fails it (see the
     * class comment), with a backoff that doubles from {@link WriterSettings#backoffMin} to
     * {@link WriterSettings#backoffMax}. Once the trouble heals, the recovery is logged and
     * recorded as an event, itself a write, queued after this batch.
     */
    private Outcome runBatch(List<Job<?>> batch) {
        long backoff = settings.backoffMin().toNanos();
        while (lost == null) {
            SQLException failure;
            try {
                Connection c = connection.get();
                Tx tx = new Tx();
                List<Runnable> completions = new ArrayList<>(batch.size());
                for (Job<?> job : batch) {
                    completions.add(job.run(tx));
                }
                c.commit();
                recovered(trouble.committed(queued(), queue.isEmpty()));
                return new Outcome(completions, tx.afterCommit);
            } catch (SQLException e) {
                failure = e;
            }
            boolean locked = Failures.lockedByOther(failure);
            connection.rollbackOrDrop(locked);
            trouble.failed(Failures.describe(failure, dbFile), !locked, Math.max(batch.size(), queued()));
            if (closing && System.nanoTime() - giveUpAt > 0) {
                log.error("the daemon is stopping and ccd.db still cannot commit ({}): {} writes are lost",
                        Failures.describe(failure, dbFile), queued());
                lost = new IllegalStateException("the ccd.db writer stopped before it could commit: "
                        + Failures.describe(failure, dbFile), failure);
                break;
            }
            LockSupport.parkNanos(backoff);
            backoff = Math.min(backoff * 2, settings.backoffMax().toNanos());
        }
        IllegalStateException failure = lost;
        return new Outcome(batch.stream().map(job -> job.fail(failure)).toList(), List.of());
    }

    /** Stops taking jobs (a writer that died says so even after a close: it tells more). */
    private IllegalStateException refuse(Refusal why) {
        synchronized (gate) {
            refusal = why;
        }
        return why.exception();
    }

    /** Once the loop is over: whatever is still queued fails, as later submits will. */
    private void failQueued() {
        IllegalStateException failure;
        synchronized (gate) {
            if (refusal == null) {
                refusal = new Refusal("the ccd.db writer stopped", null);
            }
            failure = refusal.exception();
        }
        List<Job<?>> left = new ArrayList<>();
        queue.drainTo(left);
        left.remove(POISON);
        after.complete(left.stream().map(job -> job.fail(failure)).toList());
    }

    /**
     * Stops taking jobs; then waits (10 s at most) until those taken before are committed, their
     * futures completed and their hooks run, and the connection is closed. While the database
     * refuses commits, the writer gives up after {@link WriterSettings#closeGiveUp}: it logs what
     * is lost and fails those futures.
     */
    @Override
    public void close() {
        synchronized (gate) {
            if (refusal == null) {
                refusal = new Refusal("store is closed", null);
                queue.add(POISON);
                giveUpAt = System.nanoTime() + settings.closeGiveUp().toNanos();
                closing = true;
            }
        }
        if (Thread.currentThread() == thread) {
            return; // an action closing its own store: the writer stops when it reaches the pill
        }
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        try {
            TimeUnit.NANOSECONDS.timedJoin(thread, CLOSE_WAIT_NANOS);
            after.awaitDone(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("the ccd.db writer is still busy after {} s: the writes queued go on in the background",
                    TimeUnit.NANOSECONDS.toSeconds(CLOSE_WAIT_NANOS));
        }
    }
}
