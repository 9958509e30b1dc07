package dev.ccd.runner.tasks;

import static dev.ccd.runner.tasks.TaskTesting.alive;
import static dev.ccd.runner.tasks.TaskTesting.pidsIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ccd.protocol.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskManagerTest {
    /** A sleep that records its own pid; the trailing echo keeps bash from exec-ing into it. */
    private static final String SLEEP_WRITING_PID = "sh -c 'echo $$ > sleep.pid; exec sleep 1000'; echo never";

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
        tasks = new TaskManager(workdir, dir.resolve("tasks"), TaskTesting.settings(1024 * 1024, 4), recorder);
    }

    @AfterEach
    void everyProcessIsGone() {
        TaskTesting.closeAndAssertAllGone(tasks, before, workdir);
    }

    private TaskSnapshot awaitEnded(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !tasks.get(id).orElseThrow().running());
        return tasks.get(id).orElseThrow();
    }

    @Test
    void slowEchoCompletesWithExitZeroItsOutputAndExactlyOneNotice() throws Exception {
        TaskSnapshot started = tasks.start("sleep 2; echo done", null);

        assertThat(started.id()).isEqualTo("t1");
        assertThat(started.status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(started.exitCode()).isNull();
        assertThat(tasks.running()).isEqualTo(1);
        assertThat(tasks.awaitFinished(Duration.ofSeconds(20))).isTrue();
        List<TaskSnapshot> notices = tasks.drainFinished();
        assertThat(notices).hasSize(1);
        TaskSnapshot done = notices.get(0);
        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.exitCode()).isZero();
        assertThat(done.tail()).isEqualTo("done");
        assertThat(done.duration()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(Files.readString(done.outputPath())).isEqualTo("done\n");
        assertThat(done.outputPath()).isEqualTo(dir.resolve("tasks/t1.log"));
        assertThat(tasks.drainFinished()).isEmpty();
        assertThat(tasks.hasFinishedPending()).isFalse();
        assertThat(tasks.running()).isZero();
        // The listener hears of the end on the watcher thread, just after the notice is queued.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(recorder.events).containsExactly("started t1", "finished t1 completed"));
    }

    @Test
    void failingCommandIsFailedWithItsExitCode() throws Exception {
        tasks.start("echo oops >&2; exit 3", null);

        TaskSnapshot failed = awaitEnded("t1");

        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.tail()).isEqualTo("oops");
        assertThat(tasks.drainFinished()).extracting(TaskSnapshot::status).containsExactly(TaskStatus.FAILED);
    }

    @Test
    void commandRunsInTheWorkdirWithEmptyStdin() throws Exception {
        tasks.start("pwd; cat", Duration.ofSeconds(20));

        TaskSnapshot done = awaitEnded("t1");

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.tail()).isEqualTo(workdir.toString());
    }

    @Test
    void timeoutKillsTheTreeAndIsReportedAsTimeoutWithoutExitCode() throws Exception {
        tasks.start(SLEEP_WRITING_PID, Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> pidsIn(workdir.resolve("sleep.pid")).size() == 1);
        long sleepPid = pidsIn(workdir.resolve("sleep.pid")).get(0);

        TaskSnapshot ended = awaitEnded("t1");

        assertThat(ended.status()).isEqualTo(TaskStatus.TIMEOUT);
        assertThat(ended.exitCode()).isNull();
        assertThat(ended.tail()).doesNotContain("never");
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(sleepPid));
        assertThat(tasks.drainFinished()).extracting(TaskSnapshot::status).containsExactly(TaskStatus.TIMEOUT);
    }

    @Test
    void shellThatExitsZeroOnSigtermStillTimesOutNotCompletes() throws Exception {
        tasks.start("trap 'exit 0' TERM; sleep 1000 & echo $! > sleep.pid; wait", Duration.ofSeconds(1));

        TaskSnapshot ended = awaitEnded("t1");

        assertThat(ended.status()).isEqualTo(TaskStatus.TIMEOUT);
        assertThat(ended.exitCode()).isNull();
        long sleepPid = pidsIn(workdir.resolve("sleep.pid")).get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(sleepPid));
    }

    @Test
    void stopKillsEveryProcessOfTheTreeAndConfirmsTheyAreGone() throws Exception {
        Path pids = workdir.resolve("pids");
        tasks.start("sleep 1000 & echo $! >> pids; sleep 1000 & echo $! >> pids; wait", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> pidsIn(pids).size() == 2);

        StopResult result = tasks.stop("t1", false);

        assertThat(result.alreadyEnded()).isFalse();
        assertThat(result.allGone()).isTrue();
        assertThat(result.processes()).isEqualTo(3);
        assertThat(result.task().status()).isEqualTo(TaskStatus.STOPPED);
        assertThat(result.task().exitCode()).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> pidsIn(pids).stream().noneMatch(TaskTesting::alive));
        assertThat(tasks.drainFinished()).extracting(TaskSnapshot::status).containsExactly(TaskStatus.STOPPED);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(recorder.events).containsExactly("started t1", "finished t1 stopped"));
    }

    @Test
    void treeIgnoringSigtermIsKilledAfterTheGraceOrAtOnceWhenForced() throws Exception {
        // Signals ignored by the shell stay ignored in the sleeps it starts.
        String deaf = "trap '' TERM; sleep 1000 & echo $! >> pids; wait";
        tasks.start(deaf, null);
        tasks.start(deaf, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> pidsIn(workdir.resolve("pids")).size() == 2);

        long start = System.nanoTime();
        StopResult gentle = tasks.stop("t1", false);
        Duration gentleTook = Duration.ofNanos(System.nanoTime() - start);
        start = System.nanoTime();
        StopResult forced = tasks.stop("t2", true);
        Duration forcedTook = Duration.ofNanos(System.nanoTime() - start);

        assertThat(gentle.allGone()).isTrue();
        assertThat(forced.allGone()).isTrue();
        assertThat(gentleTook).isGreaterThanOrEqualTo(TaskManager.STOP_GRACE);
        assertThat(forcedTook).isLessThan(TaskManager.STOP_GRACE);
        assertThat(List.of(gentle.task().status(), forced.task().status())).containsOnly(TaskStatus.STOPPED);
    }

    @Test
    void stoppingAnEndedTaskSaysHowItHadEnded() throws Exception {
        tasks.start("exit 4", null);
        awaitEnded("t1");

        StopResult result = tasks.stop("t1", false);

        assertThat(result.alreadyEnded()).isTrue();
        assertThat(result.task().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(result.task().exitCode()).isEqualTo(4);
        assertThat(tasks.drainFinished()).hasSize(1);
    }

    @Test
    void stopAllKillsEveryRunningTaskAndLeavesEndedOnesAlone() throws Exception {
        tasks.start("true", null);
        awaitEnded("t1");
        for (int i = 0; i < 3; i++) {
            tasks.start("sh -c 'echo $$ >> pids; exec sleep 1000'; echo never", null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pidsIn(workdir.resolve("pids")).size() == 3);

        tasks.stopAll(Duration.ofSeconds(1));

        assertThat(tasks.running()).isZero();
        assertThat(tasks.list()).extracting(TaskSnapshot::status)
                .containsExactly(TaskStatus.COMPLETED, TaskStatus.STOPPED, TaskStatus.STOPPED, TaskStatus.STOPPED);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> pidsIn(workdir.resolve("pids")).stream().noneMatch(TaskTesting::alive));
        assertThat(tasks.drainFinished()).extracting(TaskSnapshot::id).containsExactlyInAnyOrder("t1", "t2", "t3", "t4");
    }

    @Test
    void closedManagerRefusesNewTasks() throws Exception {
        tasks.start("sleep 1000", null);

        tasks.close();

        assertThat(tasks.get("t1").orElseThrow().status()).isEqualTo(TaskStatus.STOPPED);
        assertThatThrownBy(() -> tasks.start("echo late", null))
                .isInstanceOf(TaskRejectedException.class).hasMessageContaining("the run is ending");
    }

    @Test
    void moreThanMaxRunningIsRefusedWithAClearError() throws Exception {
        for (int i = 0; i < 4; i++) {
            tasks.start("sleep 1000", null);
        }

        assertThatThrownBy(() -> tasks.start("echo fifth", null))
                .isInstanceOf(TaskRejectedException.class)
                .hasMessage("4 background tasks are running, the most allowed; "
                        + "wait for one to finish or stop one with background_stop");
        tasks.stop("t2", true);
        assertThat(tasks.start("echo fifth", null).id()).isEqualTo("t5");
    }

    @Test
    void badCommandOrTimeoutIsRefusedAndUnknownIdNamesTheKnownOnes() throws Exception {
        assertThatThrownBy(() -> tasks.start("  ", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tasks.start("true", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tasks.start("true", Duration.ofHours(25)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<= PT24H");
        assertThatThrownBy(() -> tasks.stop("t1", false))
                .isInstanceOf(NoSuchElementException.class).hasMessage("unknown task 't1'; known tasks: none");
        tasks.start("true", null);
        tasks.start("true", null);
        assertThatThrownBy(() -> tasks.output("t7", false, Duration.ZERO))
                .isInstanceOf(NoSuchElementException.class).hasMessage("unknown task 't7'; known tasks: t1, t2");
        assertThat(tasks.list()).extracting(TaskSnapshot::id).containsExactly("t1", "t2");
        assertThat(tasks.get("t3")).isEmpty();
    }
}
