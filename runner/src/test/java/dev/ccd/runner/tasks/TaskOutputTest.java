package dev.ccd.runner.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.protocol.TaskStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskOutputTest {
    private static final long CAP = 100 * 1024;

    @TempDir
    Path dir;
    private Path workdir;
    private Set<Long> before;
    private TaskManager tasks;

    @BeforeEach
    void setUp() throws Exception {
        workdir = Files.createDirectories(dir.resolve("work")).toRealPath();
        before = TaskTesting.descendants();
        tasks = new TaskManager(workdir, dir.resolve("tasks"), TaskTesting.settings(CAP, 8), TaskListener.NONE);
    }

    @AfterEach
    void everyProcessIsGone() {
        TaskTesting.closeAndAssertAllGone(tasks, before, workdir);
    }

    private TaskSnapshot awaitEnded(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> !tasks.get(id).orElseThrow().running());
        return tasks.get(id).orElseThrow();
    }

    @Test
    void outputPastTheCapIsCutWithAMarkerAndTheTaskStillCompletes() throws Exception {
        tasks.start("yes | head -c 5000000; echo end", null);

        TaskSnapshot done = awaitEnded("t1");

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.exitCode()).isZero();
        String marker = "[ccd: output truncated at " + CAP + " bytes; the task keeps running]\n";
        assertThat(Files.size(done.outputPath())).isEqualTo(CAP + marker.length());
        String log = Files.readString(done.outputPath());
        assertThat(log).startsWith("y\ny\n").endsWith("y\n" + marker);
        // The tail is the real end of the output, past the cap.
        assertThat(done.tail()).endsWith("y\ny\nend").hasLineCount(20);
        TaskOutput output = tasks.output("t1", false, Duration.ZERO);
        assertThat(output.text()).contains(marker).contains("[ccd: the latest output, past the cap:]").endsWith("end");
        assertThat(output.finished()).isTrue();
    }

    @Test
    void oneEndlessLineKeepsTheTailBounded() throws Exception {
        tasks.start("head -c 3000000 /dev/zero | tr '\\0' x", null);

        TaskSnapshot done = awaitEnded("t1");

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.tail()).startsWith(ByteTail.CUT_MARK + "xxx")
                .hasSize(ByteTail.DEFAULT_CAPACITY + ByteTail.CUT_MARK.length());
    }

    @Test
    void tailKeepsTheLastLinesAndLongLogsShowTheirEndWithANotice() throws Exception {
        // 78,894 bytes: under the cap, over what output() shows.
        tasks.start("seq 1 15000", null);

        TaskSnapshot done = awaitEnded("t1");
        TaskOutput output = tasks.output("t1", false, Duration.ZERO);

        assertThat(done.tail()).isEqualTo(IntStream.rangeClosed(14_981, 15_000).mapToObj(String::valueOf)
                .collect(Collectors.joining("\n")));
        String notice = "[ccd: earlier output left out; showing the last 24996 characters of 78894 bytes; "
                + "the whole log is " + done.outputPath() + "]\n";
        // The cut moves to the next line start: no number is shown cut to its last digits.
        assertThat(output.text()).startsWith(notice).endsWith("\n14999\n15000\n");
        assertThat(output.text().substring(notice.length())).matches("(?s)\\d{5}\n.*");
        assertThat(output.text().length()).isLessThan(TaskManager.OUTPUT_CHARS + 300);
    }

    @Test
    void outputOfARunningTaskShowsWhatItPrintedSoFar() throws Exception {
        tasks.start("echo first; sleep 1000", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> tasks.get("t1").orElseThrow().tail().equals("first"));

        TaskOutput output = tasks.output("t1", false, Duration.ZERO);

        assertThat(output.text()).isEqualTo("first\n");
        assertThat(output.finished()).isFalse();
        assertThat(output.timedOutWaiting()).isFalse();
        assertThat(output.task().status()).isEqualTo(TaskStatus.RUNNING);
    }

    @Test
    void blockingOutputGivesUpAtItsTimeoutAndSaysTheTaskStillRuns() throws Exception {
        tasks.start("sleep 1000", null);

        long start = System.nanoTime();
        TaskOutput output = tasks.output("t1", true, Duration.ofSeconds(1));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(output.timedOutWaiting()).isTrue();
        assertThat(output.finished()).isFalse();
        assertThat(output.text()).isEmpty();
    }

    @Test
    void blockingOutputReturnsAsSoonAsTheTaskEnds() throws Exception {
        tasks.start("sleep 0.5; echo bye", null);

        long start = System.nanoTime();
        TaskOutput output = tasks.output("t1", true, Duration.ofSeconds(60));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(output.finished()).isTrue();
        assertThat(output.timedOutWaiting()).isFalse();
        assertThat(output.text()).isEqualTo("bye\n");
        assertThat(output.task().status()).isEqualTo(TaskStatus.COMPLETED);
    }
}
