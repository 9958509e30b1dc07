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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes to {@code ccd.db}. Callers submit actions from any thread; the
 * writer takes whatever is queued (up to {@link #MAX_BATCH}), runs it in one transaction,
 * commits, and only then completes the callers' futures and runs their after-commit hooks. So a
 * completed future means the row is durable, and a burst of writes costs one commit, not one
 * per row.
 *
 * <p>Threading: the connection, its statement cache and the hook list belong to the writer
 * thread alone. A failing action fails its own future; the statements of the other actions in
 * the batch still commit (SQLite rolls back the failed statement only).
 */
final class SqlWriter implements AutoCloseable {

    static final int MAX_BATCH = 2048;
    static final int COMMIT_ATTEMPTS = 4;
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
            } catch (SQLException | RuntimeException e) {
                connection.rollback(savepoint);
                connection.releaseSavepoint(savepoint);
                afterCommit.subList(hooks, afterCommit.size()).clear();
                throw e;
            }
        }
    }

    private record Job<T>(Action<T> action, CompletableFuture<T> result) {
    }

    private static final Job<Void> POISON = new Job<>(tx -> null, new CompletableFuture<>());

    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final BlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** Set by close() before the poison pill, read by submitters on any thread. */
    private volatile boolean closed;

    SqlWriter(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
        this.thread = new Thread(this::loop, "ccd-sql-writer");
        thread.setDaemon(true);
        thread.start();
    }

    <T> CompletableFuture<T> submit(Action<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("store is closed"));
            return result;
        }
        queue.add(new Job<>(action, result));
        return result;
    }

    private void loop() {
        List<Job<?>> batch = new ArrayList<>(MAX_BATCH);
        boolean running = true;
        while (running) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            running = !batch.remove(POISON);
            runBatch(batch);
            batch.clear();
        }
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
     * Runs a batch in one transaction. A failed commit (the database locked by someone else for
     * longer than the busy timeout, a full disk) is rolled back and the whole batch run again, a
     * few times, before its writes are reported failed: losing a run's end would leave it live.
     */
    private void runBatch(List<Job<?>> batch) {
        SQLException lastFailure = null;
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            Tx tx = new Tx();
            List<Object> values = new ArrayList<>(batch.size());
            List<Throwable> failures = new ArrayList<>(batch.size());
            for (Job<?> job : batch) {
                try {
                    values.add(job.action().apply(tx));
                    failures.add(null);
                } catch (SQLException | RuntimeException e) {
                    values.add(null);
                    failures.add(e);
                }
            }
            try {
                connection.commit();
            } catch (SQLException e) {
                lastFailure = e;
                log.error("commit of {} writes failed (attempt {} of {}): {}", batch.size(), attempt, COMMIT_ATTEMPTS,
                        e.getMessage());
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the commit failure is what matters
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L * attempt);
                continue;
            }
            for (int i = 0; i < batch.size(); i++) {
                complete(batch.get(i), values.get(i), failures.get(i));
            }
            for (Runnable hook : tx.afterCommit) {
                try {
                    hook.run();
                } catch (RuntimeException e) {
                    log.warn("after-commit hook failed", e);
                }
            }
            return;
        }
        SQLException failure = lastFailure;
        batch.forEach(job -> job.result().completeExceptionally(failure));
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Job<T> job, Object value, Throwable failure) {
        if (failure != null) {
            job.result().completeExceptionally(failure);
        } else {
            job.result().complete((T) value);
        }
    }

    /** Commits everything queued so far, then stops the thread and closes the connection. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(POISON);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
