package dev.ccd.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The record heals by itself from what other processes and the disk do to it: a {@code sqlite3}
 * holding the write lock, a full file system, a reader holding a snapshot. Real processes, a
 * real tmpfs (the tests run as root, as CI does).
 */
class StoreHealsTest {

    private static final String SQLITE3 = "/usr/bin/sqlite3";
    private static final String RUN = "r-heal";

    /** Short waits, so that a lock or a full disk shows within a second. */
    private static final WriterSettings FAST = new WriterSettings(10_000, Duration.ofSeconds(5), Duration.ofMillis(20),
            Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(4), 300);

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Path mounted;
    private Store store;

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(SqlWriter.class)).addAppender(logs);
    }

    @AfterEach
    void cleanUp() throws Exception {
        ((Logger) LoggerFactory.getLogger(SqlWriter.class)).detachAppender(logs);
        for (Process p : processes) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (store != null) {
            store.close();
        }
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    @Test
    void aWriteLockHeldByAnotherProcessDelaysTheWritesAndLosesNone() throws Exception {
        Path db = tmp.resolve("ccd.db");
        store = open(db);
        Feeder feeder = new Feeder(store);
        await().atMost(Duration.ofSeconds(10)).until(() -> feeder.submitted.get() >= 200);

        // a writer that never rests can starve sqlite3's wait for the lock: the feeder rests
        // until the lock is taken, as a runner between iterations would
        feeder.paused.set(true);
        await().atMost(Duration.ofSeconds(10)).until(feeder.resting::get);
        Process lock = sqlite3(db, "BEGIN IMMEDIATE;");
        await().atMost(Duration.ofSeconds(20)).until(() -> writeLocked(db));
        feeder.paused.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.health().ok());
        assertThat(store.health().reason()).isEqualTo("database is locked by another process");
        // held until the reader thread is blocked on a full queue and the lock has lasted 5 s
        await().atMost(Duration.ofSeconds(30)).until(() -> feeder.thread.getState() == Thread.State.WAITING
                && Instant.parse(store.health().since()).isBefore(Instant.now().minusSeconds(5)));
        CompletableFuture<?> waiting = feeder.last.get();
        assertThat(waiting).isNotDone();
        assertThat(store.health().writesQueued()).isEqualTo(FAST.queueBound());

        end(lock);
        waiting.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.health().ok());
        int n = feeder.stop();

        assertAllIterations(db, n);
        assertThat(count(db, "SELECT count(*) FROM daemon_events WHERE kind = 'record_recovered'")).isEqualTo(1);
        assertThat(logged(Level.WARN, "ccd.db cannot commit: database is locked by another process")).isEqualTo(1);
        assertThat(logged(Level.ERROR, "")).isZero();
        assertThat(logged(Level.INFO, "ccd.db writes recovered after")).isEqualTo(1);
    }

    @Test
    void aFullDiskDelaysTheWritesUntilThereIsRoomAgainAndLosesNone() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mount.waitFor() != 0) {
            fail("this test needs to mount a tmpfs (it runs as root in CI): mount said: " + said.trim());
        }
        mounted = dir;
        Path db = dir.resolve("ccd.db");
        store = open(db);
        store.insertRun(RunRow.starting(RUN, "heal", "t", null, "scripted", null, "/tmp", true, null, 0,
                Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
        Path filler = dir.resolve("filler");
        fill(filler);

        List<CompletableFuture<EventRow>> writes = new ArrayList<>();
        String text = "x".repeat(2000);
        for (int i = 0; i < 100; i++) {
            writes.add(store.event("filler_test", RUN, JsonNodeFactory.instance.objectNode().put("i", i).put("text", text)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.health().ok());
        assertThat(store.health().reason()).isEqualTo("no space left on device at " + dir);
        assertThat(writes.get(writes.size() - 1)).isNotDone();

        Files.delete(filler);
        for (CompletableFuture<EventRow> write : writes) {
            write.get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> store.health().ok());
        assertThat(count(db, "SELECT count(*) FROM daemon_events WHERE kind = 'filler_test'")).isEqualTo(100);
        assertThat(count(db, "SELECT count(DISTINCT json_extract(payload_json, '$.i')) FROM daemon_events"
                + " WHERE kind = 'filler_test'")).isEqualTo(100);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(db,
                "SELECT count(*) FROM daemon_events WHERE kind = 'record_recovered'") == 1);
        assertThat(logged(Level.ERROR, "ccd.db cannot commit: no space left on device at " + dir)).isEqualTo(1);
        assertThat(logged(Level.INFO, "ccd.db writes recovered after")).isEqualTo(1);
    }

    @Test
    void aLongReadLetsTheWalGrowOnlyWhileItLastsAndIsNamed() throws Exception {
        Path db = tmp.resolve("ccd.db");
        store = open(db);
        Feeder feeder = new Feeder(store);
        await().atMost(Duration.ofSeconds(10)).until(() -> feeder.submitted.get() >= 200);

        Process reader = sqlite3(db, "BEGIN;", "SELECT count(*) FROM daemon_events;");
        long grown = 8L << 20;
        await().atMost(Duration.ofSeconds(60)).until(() -> store.health().walBytes() > grown
                && store.health().walWarning() != null);
        assertThat(store.health().walWarning()).contains("pid " + reader.pid()).contains("sqlite3");
        assertThat(logged(Level.WARN, "ccd.db: the WAL cannot be checkpointed")).isEqualTo(1);

        end(reader);
        // the writes go on; the next checkpoints truncate the WAL all the same
        await().atMost(Duration.ofSeconds(5)).until(() -> store.health().walBytes() < 4L << 20);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.health().walWarning() == null);
        assertAllIterations(db, feeder.stop());
    }

    @Test
    void closingWhileTheDatabaseIsLockedGivesUpAfterItsBoundAndSaysWhatIsLost() throws Exception {
        Path db = tmp.resolve("ccd.db");
        store = open(db);
        Process lock = sqlite3(db, "BEGIN IMMEDIATE;");
        await().atMost(Duration.ofSeconds(10)).until(() -> writeLocked(db));
        CompletableFuture<EventRow> write = store.event("never", null, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.health().ok());

        long t0 = System.nanoTime();
        store.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(write).isCompletedExceptionally();
        assertThatThrownBy(write::join).hasMessageContaining("the ccd.db writer stopped before it could commit:"
                + " database is locked by another process");
        assertThat(logged(Level.ERROR, "the daemon is stopping and ccd.db still cannot commit (database is locked by"
                + " another process): 1 writes are lost")).isEqualTo(1);
        end(lock);
    }

    /** Starts {@code sqlite3 db} and feeds it {@code sql}, its input left open until {@link #end}. */
    private Process sqlite3(Path db, String... sql) throws IOException {
        Process p = new ProcessBuilder(SQLITE3, db.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        OutputStream in = p.getOutputStream();
        // the store's writer holds the lock most of the time: wait for it as a user's shell would
        in.write((".timeout 10000\n" + String.join("\n", sql) + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        return p;
    }

    private static void end(Process sqlite3) throws Exception {
        try (OutputStream in = sqlite3.getOutputStream()) {
            in.write("COMMIT;\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(sqlite3.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private Store open(Path db) throws SQLException {
        return Store.open(db, FAST);
    }

    /** Writes to {@code filler} until the file system is full. */
    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private static void run(String... command) throws Exception {
        new ProcessBuilder(command).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }

    private long logged(Level level, String start) {
        return logs.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().startsWith(start)).count();
    }

    private static void assertAllIterations(Path db, int n) throws SQLException {
        assertThat(count(db, "SELECT count(*) FROM agent_iterations WHERE run_id = '" + RUN + "' AND status = 'ok'"))
                .isEqualTo(n);
        assertThat(count(db, "SELECT count(*) FROM daemon_events WHERE kind = 'iteration'")).isEqualTo(n);
        assertThat(count(db, "SELECT last_iteration FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(n);
        assertThat(count(db, "SELECT tokens_in FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(100L * n);
    }

    /** Whether another connection holds the write lock (tried without waiting). */
    private static boolean writeLocked(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("PRAGMA busy_timeout=0");
            try {
                c.createStatement().execute("BEGIN IMMEDIATE");
                c.createStatement().execute("ROLLBACK");
                return false;
            } catch (SQLException e) {
                return e.getMessage().contains("SQLITE_BUSY");
            }
        }
    }

    private static long count(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Feeds iterations as a runner's reader thread does (its start row, its end row with the
     * run's totals, its event), as fast as the store takes them, until stopped.
     */
    private static final class Feeder {
        final AtomicInteger submitted = new AtomicInteger();
        final AtomicReference<CompletableFuture<?>> last = new AtomicReference<>();
        final AtomicBoolean stop = new AtomicBoolean();
        /** Set: the feeder rests before its next iteration; {@link #resting} says it does. */
        final AtomicBoolean paused = new AtomicBoolean();
        final AtomicBoolean resting = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        Feeder(Store store) throws Exception {
            store.insertRun(RunRow.starting(RUN, "heal", "t", null, "scripted", null, "/tmp", true, null, 0,
                    Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
            thread = new Thread(() -> {
                try {
                    for (int i = 1; !stop.get(); i++) {
                        while (paused.get() && !stop.get()) {
                            CompletableFuture<?> previous = last.get();
                            if (previous != null) {
                                previous.join();
                            }
                            resting.set(true);
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                        }
                        resting.set(false);
                        store.iterationStarted(RUN, i, Timestamps.now());
                        store.iterationDone(RUN, new Message.IterationDone(i, IterationStatus.OK, 0.001, "it " + i, 100,
                                10, 0.0), Timestamps.now());
                        last.set(store.event("iteration", RUN, JsonNodeFactory.instance.objectNode().put("i", i)));
                        submitted.set(i);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, SqlWriter.RUNNER_READER_PREFIX + "test");
            thread.start();
        }

        /** Stops feeding; the number of iterations fed, once they are all committed. */
        int stop() throws Exception {
            stop.set(true);
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(thread.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
            last.get().get(30, TimeUnit.SECONDS);
            return submitted.get();
        }
    }
}
