package dev.ccd.runner.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.protocol.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskNoticesTest {
    @TempDir
    Path dir;
    private Path workdir;
    private Set<Long> before;
    private final TaskTesting.Recorder recorder = new TaskTesting.Recorder();
    private TaskManager tasks;

    @BeforeEach
    void setUp() throws Exception {
        workdir = Files.createDirectories(dir.resolve("work")).toRealPath();
        before = TaskTesting.descendants();
        tasks = new TaskManager(workdir, dir.resolve("tasks"), TaskTesting.settings(1024 * 1024, 64), recorder);
    }

    @AfterEach
    void everyProcessIsGone() {
        TaskTesting.closeAndAssertAllGone(tasks, before, workdir);
    }

    @Test
    void fiftyConcurrentTasksAreEachNoticedExactlyOnceAcrossConcurrentDrains() throws Exception {
        List<TaskSnapshot> drained = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> drainers = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            Thread drainer = new Thread(() -> {
                try {
                    while (drained.size() < 50 && !Thread.currentThread().isInterrupted()) {
                        tasks.awaitFinished(Duration.ofMillis(50));
                        drained.addAll(tasks.drainFinished());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "drainer-" + d);
            drainer.start();
            drainers.add(drainer);
        }

        for (int i = 1; i <= 50; i++) {
            tasks.start("sleep 0.$((RANDOM % 5)); echo " + i, null);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> drained.size() >= 50 || failure.get() != null);
        for (Thread drainer : drainers) {
            drainer.interrupt();
            drainer.join(5_000);
        }

        assertThat(failure.get()).isNull();
        assertThat(drained).hasSize(50);
        assertThat(drained).extracting(TaskSnapshot::id).doesNotHaveDuplicates();
        assertThat(drained).allSatisfy(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(task.tail()).isEqualTo(task.id().substring(1));
        });
        assertThat(tasks.drainFinished()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(recorder.finished).hasSize(50));
    }

    @Test
    void awaitFinishedGivesUpAtItsMax() throws Exception {
        tasks.start("sleep 1000", null);

        long start = System.nanoTime();
        boolean pending = tasks.awaitFinished(Duration.ofMillis(300));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(pending).isFalse();
        assertThat(took).isBetween(Duration.ofMillis(300), Duration.ofSeconds(2));
    }

    @Test
    void awaitFinishedReturnsPromptlyWhenATaskEndsAndAtOnceWhileANoticeIsPending() throws Exception {
        tasks.start("sleep 0.5", null);

        long start = System.nanoTime();
        boolean pending = tasks.awaitFinished(Duration.ofSeconds(60));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(pending).isTrue();
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        start = System.nanoTime();
        assertThat(tasks.awaitFinished(Duration.ofSeconds(60))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(tasks.drainFinished()).hasSize(1);
        assertThat(tasks.awaitFinished(Duration.ZERO)).isFalse();
    }

    @Test
    void awaitFinishedIsInterruptible() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                tasks.awaitFinished(Duration.ofMinutes(10));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "waiter");
        waiter.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

        waiter.interrupt();
        waiter.join(5_000);

        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void noticesDescribeEachFinishedTaskCompactly() {
        Instant at = Instant.parse("2025-01-01T00:00:00Z");
        Path log = dir.resolve("t.log");
        List<TaskSnapshot> finished = List.of(
                new TaskSnapshot("t3", "make test", TaskStatus.COMPLETED, 0, at, Duration.ofMillis(12_400), log, "BUILD OK\n3 tests"),
                new TaskSnapshot("t4", "cargo build\n--release", TaskStatus.FAILED, 101, at, Duration.ofSeconds(75), log, "error"),
                new TaskSnapshot("t5", "sleep 99", TaskStatus.TIMEOUT, null, at, Duration.ofSeconds(30), log, ""),
                new TaskSnapshot("t6", "serve", TaskStatus.STOPPED, null, at, Duration.ofHours(2).plusMinutes(3), log, "bye"));

        assertThat(TaskManager.describeNotices(finished)).isEqualTo("""
                Background task t3 (`make test`) completed: exit code 0 after 12.4 s. Last output:
                BUILD OK
                3 tests

                Background task t4 (`cargo build; --release`) failed: exit code 101 after 1 min 15 s. Last output:
                error

                Background task t5 (`sleep 99`) timeout: killed with its process tree after 30.0 s. No output.

                Background task t6 (`serve`) stopped after 2 h 3 min. Last output:
                bye""");
        assertThat(TaskManager.describeNotices(List.of())).isEmpty();
    }
}
