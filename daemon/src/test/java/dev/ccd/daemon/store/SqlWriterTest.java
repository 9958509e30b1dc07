package dev.ccd.daemon.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlWriterTest {

    private static final int SUBMITTERS = 6;

    @TempDir
    Path tmp;

    private String url;

    @BeforeEach
    void createTable() throws SQLException {
        url = "jdbc:sqlite:" + tmp.resolve("t.db");
        try (Connection setup = DriverManager.getConnection(url)) {
            setup.createStatement().execute("CREATE TABLE t(x INTEGER)");
        }
    }

    @Test
    void anAtomicPartThatFailsHalfwayLeavesNothingAndItsHooksDoNotRunWhileTheRestOfTheBatchCommits() throws Exception {
        List<String> hooks = new CopyOnWriteArrayList<>();
        try (SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url))) {
            var failed = writer.submit(tx -> tx.atomically(t -> {
                t.prepare("INSERT INTO t VALUES (1)").executeUpdate();
                t.afterCommit(() -> hooks.add("first half"));
                throw new SQLException("the second half fails");
            }));
            var kept = writer.submit(tx -> tx.atomically(t -> {
                t.prepare("INSERT INTO t VALUES (2)").executeUpdate();
                t.afterCommit(() -> hooks.add("kept"));
                return null;
            }));

            assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class).hasMessageContaining("second half");
            kept.get();
        }
        assertThat(rows()).containsExactly(2);
        assertThat(hooks).containsExactly("kept");
    }

    @Test
    void aCallbackOnAFutureDoesNotRunOnTheWriterThread() throws Exception {
        try (SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url))) {
            String writerThread = writer.submit(tx -> Thread.currentThread().getName()).get(5, SECONDS);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Integer> write = writer.submit(tx -> {
                awaitLatch(release);
                return insert(tx, 1);
            });
            // attached while the write is still held back, so it runs where the future completes
            CompletableFuture<String> callbackThread = write.thenApply(v -> Thread.currentThread().getName());
            release.countDown();

            assertThat(callbackThread.get(5, SECONDS)).isNotEqualTo(writerThread);
        }
    }

    @Test
    void aCallbackThatWaitsOnALaterWriteCompletes() throws Exception {
        try (SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url))) {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Integer> first = writer.submit(tx -> {
                awaitLatch(release);
                return insert(tx, 1);
            });
            CompletableFuture<Integer> both = first.thenApply(v -> v + within5s(writer.submit(tx -> insert(tx, 2))));
            release.countDown();

            assertThat(both.get(10, SECONDS)).isEqualTo(2);
        }
        assertThat(rows()).containsExactly(1, 2);
    }

    @Test
    void aCallbackThatWaitsOnAWriteOfTheSameBatchCompletes() throws Exception {
        try (SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url))) {
            CountDownLatch release = new CountDownLatch(1);
            writer.submit(tx -> {
                awaitLatch(release);
                return null;
            });
            // both queued behind the held write: the writer takes them as one batch
            CompletableFuture<Integer> first = writer.submit(tx -> insert(tx, 1));
            CompletableFuture<Integer> second = writer.submit(tx -> insert(tx, 2));
            CompletableFuture<Integer> both = first.thenApply(v -> v + within5s(second));
            release.countDown();

            assertThat(both.get(10, SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void anErrorThrownByAnActionFailsOnlyItsOwnWrite() throws Exception {
        try (SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url))) {
            CompletableFuture<Object> broken = writer.submit(tx -> {
                insert(tx, 1);
                throw new StackOverflowError("too deep");
            });
            CompletableFuture<Integer> sameBatch = writer.submit(tx -> insert(tx, 2));

            assertThatThrownBy(() -> broken.get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(StackOverflowError.class);
            assertThat(sameBatch.get(5, SECONDS)).isEqualTo(1);
            assertThat(writer.submit(tx -> insert(tx, 3)).get(5, SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void aWriterThatDiesFailsItsPendingAndLaterWritesInsteadOfLeavingThemHanging() throws Exception {
        AtomicBoolean commitFails = new AtomicBoolean();
        Connection real = DriverManager.getConnection(url);
        Connection failing = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("commit") && commitFails.get()) {
                        throw new OutOfMemoryError("simulated");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (SqlWriter writer = new SqlWriter(() -> failing)) {
            assertThat(writer.submit(tx -> insert(tx, 1)).get(5, SECONDS)).isEqualTo(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Integer> inFlight = writer.submit(tx -> {
                awaitLatch(release);
                return insert(tx, 2);
            });
            CompletableFuture<Integer> queued = writer.submit(tx -> insert(tx, 3));
            commitFails.set(true);
            release.countDown();

            for (CompletableFuture<Integer> write : List.of(inFlight, queued)) {
                assertThatThrownBy(() -> write.get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("the ccd.db writer stopped").hasMessageContaining("simulated");
            }
            CompletableFuture<Integer> later = writer.submit(tx -> insert(tx, 4));
            assertThatThrownBy(() -> later.get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("the ccd.db writer stopped");
        }
        assertThat(rows()).containsExactly(1);
    }

    @Test
    void writesRacingCloseEachCommitOrFailAndThoseBeforeCloseAllCommit() throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Integer>> beforeClose = new ArrayList<>();
        Queue<CompletableFuture<Integer>> racing = new ConcurrentLinkedQueue<>();
        ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS);
        try {
            for (int round = 0; round < 300; round++) {
                SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url));
                for (int i = 0; i < 5; i++) {
                    int x = next.incrementAndGet();
                    beforeClose.add(writer.submit(tx -> insert(tx, x)));
                }
                // the submitters and close() start together, so that submits meet the close itself
                CyclicBarrier go = new CyclicBarrier(SUBMITTERS + 1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < SUBMITTERS; t++) {
                    done.add(submitters.submit(() -> {
                        go.await();
                        for (int i = 0; i < 200; i++) {
                            int x = next.incrementAndGet();
                            CompletableFuture<Integer> write = writer.submit(tx -> insert(tx, x));
                            racing.add(write);
                            if (write.isCompletedExceptionally()) {
                                break;
                            }
                        }
                        return null;
                    }));
                }
                go.await();
                writer.close();
                for (Future<?> submitter : done) {
                    submitter.get(10, SECONDS);
                }
            }
        } finally {
            submitters.shutdownNow();
        }

        for (CompletableFuture<Integer> write : beforeClose) {
            assertThat(write.get(5, SECONDS)).isEqualTo(1);
        }
        int committed = beforeClose.size();
        for (CompletableFuture<Integer> write : racing) {
            try {
                write.get(5, SECONDS);
                committed++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("store is closed");
            }
        }
        assertThat(rows()).hasSize(committed);
    }

    @Test
    void aFullQueueBlocksARunnersReaderThreadAndFailsAControlCallAfterABoundedWait() throws Exception {
        WriterSettings three = new WriterSettings(3, Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofMillis(200),
                Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(4), 1000);
        try (SqlWriter writer = new SqlWriter(() -> DriverManager.getConnection(url), three, null)) {
            CountDownLatch taken = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Integer> held = writer.submit(tx -> {
                taken.countDown();
                awaitLatch(release);
                return insert(tx, 1);
            });
            assertThat(taken.await(5, SECONDS)).isTrue();
            List<CompletableFuture<Integer>> queued = List.of(writer.submit(tx -> insert(tx, 2)),
                    writer.submit(tx -> insert(tx, 3)));
            AtomicReference<CompletableFuture<Integer>> fromRunner = new AtomicReference<>();
            Thread reader = new Thread(() -> fromRunner.set(writer.submit(tx -> insert(tx, 4))),
                    SqlWriter.RUNNER_READER_PREFIX + "r-test");
            reader.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> reader.getState() == Thread.State.WAITING);

            long t0 = System.nanoTime();
            CompletableFuture<Integer> fromControl = writer.submit(tx -> insert(tx, 5));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThatThrownBy(() -> fromControl.get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessage("the ccd.db record is blocked: 3 writes wait to be committed, the writer is busy");
            assertThat(fromRunner.get()).isNull();
            assertThat(reader.isAlive()).isTrue();

            release.countDown();
            reader.join(5000);
            assertThat(fromRunner.get().get(5, SECONDS)).isEqualTo(1);
            assertThat(held.get(5, SECONDS)).isEqualTo(1);
            for (CompletableFuture<Integer> write : queued) {
                assertThat(write.get(5, SECONDS)).isEqualTo(1);
            }
        }
        assertThat(rows()).containsExactly(1, 2, 3, 4);
    }

    private static int insert(SqlWriter.Tx tx, int x) throws SQLException {
        var st = tx.prepare("INSERT INTO t VALUES (?)");
        st.setInt(1, x);
        return st.executeUpdate();
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, SECONDS)) {
                throw new IllegalStateException("the test never released the write");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits as a callback would, but gives up after 5 s so that a deadlock fails the test. */
    private static <T> T within5s(CompletableFuture<T> future) {
        try {
            return future.get(5, SECONDS);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private List<Integer> rows() throws SQLException {
        List<Integer> xs = new ArrayList<>();
        try (Connection check = DriverManager.getConnection(url);
                var rs = check.createStatement().executeQuery("SELECT x FROM t ORDER BY x")) {
            while (rs.next()) {
                xs.add(rs.getInt(1));
            }
        }
        return xs;
    }
}
