package dev.ccd.daemon.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes to {@code ccd.db}. Callers submit actions from any thread; the
 * writer takes whatever is queued (up to {@link #MAX_BATCH}), runs it in one transaction,
 * commits, and only then hands the callers' futures and the after-commit hooks to
 * {@link AfterCommit}. So a completed future means the write is committed, and a burst of writes
 * costs one commit, not one per row.
 *
 * <p>Threading: the connection, its statement cache and the {@link Tx} belong to the writer
 * thread ({@code ccd-sql-writer}) alone. Of the callers' code it runs the actions and nothing
 * else: the stages of their futures and the hooks run on the threads of {@link AfterCommit},
 * which says which (and names its one last resort). {@link #submit} and {@link #close} may be called from any thread and exclude
 * each other on {@link #gate}: a job is queued only while jobs are taken, so none can land behind
 * the stop pill, and every job submitted before close() commits (or fails) before the writer
 * stops.
 *
 * <p>Failures. Whatever an action throws (an SQLException, a RuntimeException, an Error such as a
 * StackOverflowError) fails its own future only; the other actions of the batch still commit, and
 * so do the failed action's earlier statements unless it ran them {@link Tx#atomically} (SQLite
 * rolls back only the failed statement). A commit that fails with an SQLException is retried, see
 * {@link #runBatch}. Anything thrown outside an action (an Error from the commit, or from the
 * writer's own code) ends the writer: it is logged at ERROR, the batch in hand and every queued
 * job fail with {@code IllegalStateException("the ccd.db writer stopped: <cause>")}, and so does
 * every later submit: no future waits for a writer that is gone. Such a failure does not prove
 * that the write was lost (the commit may have failed after writing).
 */
final class SqlWriter implements AutoCloseable {

    static final int MAX_BATCH = 2048;
    static final int COMMIT_ATTEMPTS = 4;
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger log = LoggerFactory.getLogger(SqlWriter.class);

    /** A unit of work run on the writer thread inside a transaction. */
    interface Action<T> {
        T apply(Tx tx) throws SQLException;
    }

    /** What an action may use: prepared statements (cached) and after-commit hooks. */
    final class Tx {
        private final List<Runnable> afterCommit = new ArrayList<>();

        PreparedStatement prepare(String sql) throws SQLException {
            PreparedStatement st = statements.get(sql);
            if (st == null) {
                st = connection.prepareStatement(sql);
                statements.put(sql, st);
            }
            return st;
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
            Savepoint savepoint = connection.setSavepoint();
            try {
                T value = part.apply(this);
                connection.releaseSavepoint(savepoint);
                return value;
            } catch (Throwable e) {
                connection.rollback(savepoint);
                connection.releaseSavepoint(savepoint);
                afterCommit.subList(hooks, afterCommit.size()).clear();
                throw e;
            }
        }
    }

    private record Job<T>(Action<T> action, CompletableFuture<T> result) {

        /** Runs the action; returns what completes its future once the batch is committed. */
        Runnable run(Tx tx) {
            try {
                T value = action.apply(tx);
                return () -> result.complete(value);
            } catch (Throwable e) {
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

    private static final Job<Void> POISON = new Job<>(tx -> null, new CompletableFuture<>());

    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final BlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
    private final AfterCommit after;
    /** Held to queue a job, and to stop taking them, so that the two never interleave. */
    private final Object gate = new Object();
    private final Thread thread;
    /** Null while jobs are taken, then why not. Guarded by {@link #gate}. */
    private Refusal refusal;

    SqlWriter(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
        this.after = new AfterCommit();
        this.thread = new Thread(this::loop, "ccd-sql-writer");
        thread.setDaemon(true);
        thread.start();
    }

    <T> CompletableFuture<T> submit(Action<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Refusal refused;
        synchronized (gate) {
            refused = refusal;
            if (refused == null) {
                queue.add(new Job<>(action, result));
                return result;
            }
        }
        result.completeExceptionally(refused.exception());
        return result;
    }

    private void loop() {
        List<Job<?>> batch = new ArrayList<>(MAX_BATCH);
        try {
            boolean running = true;
            while (running) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                running = !batch.remove(POISON);
                Outcome outcome = runBatch(batch);
                batch.clear();
                after.complete(outcome.completions());
                after.afterCommit(outcome.hooks());
            }
        } catch (Throwable e) {
            log.error("the ccd.db writer stopped: its pending and later writes fail", e);
            IllegalStateException failure = refuse(new Refusal("the ccd.db writer stopped: " + e, e));
            after.complete(batch.stream().map(job -> job.fail(failure)).toList());
        } finally {
            try {
                failQueued();
                closeConnection();
            } finally {
                after.shutdown();
            }
        }
    }

    /**
     * Runs a batch in one transaction. A failed commit (the database locked by someone else for
     * longer than the busy timeout, a full disk) is rolled back and the whole batch run again, a
     * few times, before its writes are reported failed: losing a run's end would leave it live.
     */
    private Outcome runBatch(List<Job<?>> batch) {
        SQLException lastFailure = null;
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            Tx tx = new Tx();
            List<Runnable> completions = new ArrayList<>(batch.size());
            for (Job<?> job : batch) {
                completions.add(job.run(tx));
            }
            try {
                connection.commit();
                return new Outcome(completions, tx.afterCommit);
            } catch (SQLException e) {
                lastFailure = e;
                log.error("commit of {} writes failed (attempt {} of {}): {}", batch.size(), attempt, COMMIT_ATTEMPTS,
                        e.getMessage());
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the commit failure is what matters
                }
                if (attempt < COMMIT_ATTEMPTS) {
                    LockSupport.parkNanos(200_000_000L * attempt);
                }
            }
        }
        SQLException failure = lastFailure;
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

    private void closeConnection() {
        try {
            for (PreparedStatement st : statements.values()) {
                st.close();
            }
            connection.close();
        } catch (SQLException e) {
            log.warn("closing ccd.db: {}", e.getMessage());
        }
    }

    /**
     * Stops taking jobs; then waits (10 s at most) until those taken before are committed, their
     * futures completed and their hooks run, and the connection is closed.
     */
    @Override
    public void close() {
        synchronized (gate) {
            if (refusal == null) {
                refusal = new Refusal("store is closed", null);
                queue.add(POISON);
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
