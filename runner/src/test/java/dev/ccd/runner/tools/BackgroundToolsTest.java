package dev.ccd.runner.tools;

import static dev.ccd.runner.tasks.TaskTesting.pidsIn;
import static dev.ccd.runner.tools.ToolTesting.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.runner.tasks.TaskListener;
import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskTesting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundToolsTest {
    @TempDir
    Path dir;
    private Path workdir;
    private Set<Long> before;
    private TaskManager tasks;
    private ToolContext context;
    private Map<String, Tool> tools;

    @BeforeEach
    void setUp() throws Exception {
        workdir = Files.createDirectories(dir.resolve("work")).toRealPath();
        before = TaskTesting.descendants();
        tasks = new TaskManager(workdir, dir.resolve("tasks"), TaskTesting.settings(1024 * 1024, 2), TaskListener.NONE);
        context = ToolContext.defaults(workdir);
        tools = TaskTools.all(tasks).stream().collect(Collectors.toMap(Tool::name, Function.identity()));
    }

    @AfterEach
    void everyProcessIsGone() {
        TaskTesting.closeAndAssertAllGone(tasks, before, workdir);
    }

    private ToolResult call(String tool, Object... namesAndValues) throws InterruptedException {
        return tools.get(tool).run(input(namesAndValues), context);
    }

    private void awaitEnded(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !tasks.get(id).orElseThrow().running());
    }

    @Test
    void theFourToolsAreOfferedAndOnlyRunAndStopMutate() {
        assertThat(TaskTools.all(tasks)).extracting(Tool::name)
                .containsExactly("background_run", "background_list", "background_output", "background_stop");
        assertThat(TaskTools.all(tasks)).filteredOn(Tool::mutating).extracting(Tool::name)
                .containsExactly("background_run", "background_stop");
    }

    @Test
    void runReturnsAtOnceWithTheIdAndThePromiseOfANotice() throws Exception {
        long start = System.nanoTime();
        ToolResult result = call("background_run", "command", "sleep 1000", "timeout_s", 90);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(result).isEqualTo(ToolResult.ok("started task t1: sleep 1000 (timeout 90 s); "
                + "you will be told when it finishes — keep working, no need to poll"));
        assertThat(call("background_run", "command", "sleep 1000").content()).contains("(timeout 3600 s)");
    }

    @Test
    void runRefusesBadInputAndTooManyTasks() throws Exception {
        assertThat(call("background_run"))
                .isEqualTo(ToolResult.error("background_run: field 'command' is required (a string)"));
        assertThat(call("background_run", "command", " "))
                .isEqualTo(ToolResult.error("background_run: field 'command' must not be empty"));
        assertThat(call("background_run", "command", "ls", "timeout_s", 0))
                .isEqualTo(ToolResult.error("background_run: field 'timeout_s' must be > 0 and <= 86400 (seconds), got 0"));
        assertThat(call("background_run", "command", "ls", "timeout_s", 86401).isError()).isTrue();
        assertThat(call("background_run", "command", "ls", "timeout_s", "5"))
                .isEqualTo(ToolResult.error("background_run: field 'timeout_s' must be a number, got \"5\""));
        assertThat(call("background_run", "command", "ls", "timeout", 5)).isEqualTo(
                ToolResult.error("background_run: unknown field 'timeout'; allowed: command, timeout_s"));
        call("background_run", "command", "sleep 1000");
        call("background_run", "command", "sleep 1000");
        assertThat(call("background_run", "command", "echo third")).isEqualTo(ToolResult.error(
                "background_run: 2 background tasks are running, the most allowed; "
                        + "wait for one to finish or stop one with background_stop"));
    }

    @Test
    void listShowsEachTaskWithStatusExitCodeAndCommand() throws Exception {
        assertThat(call("background_list")).isEqualTo(ToolResult.ok("no background tasks have been started"));
        call("background_run", "command", "exit 2");
        awaitEnded("t1");
        call("background_run", "command", "sleep 1000");

        String text = call("background_list").content();

        assertThat(text).matches("2 tasks, 1 running:\n"
                + "t1 failed \\(exit 2\\), \\d+\\.\\d s: exit 2\n"
                + "t2 running, \\d+\\.\\d s: sleep 1000");
    }

    @Test
    void blockingOutputOnALongTaskGivesUpAfterItsTimeoutAndSaysItStillRuns() throws Exception {
        call("background_run", "command", "echo working; sleep 1000");

        long start = System.nanoTime();
        ToolResult result = call("background_output", "task_id", "t1", "block", true, "timeout_s", 1);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(result.isError()).isFalse();
        assertThat(result.content()).matches("(?s)task t1 \\(`echo working; sleep 1000`\\): running for .*\n"
                + "still running after 1 s of waiting\n.*");
    }

    @Test
    void blockingOutputOnAnEndingTaskSaysHowItFinishedAndShowsTheOutput() throws Exception {
        call("background_run", "command", "sleep 0.3; echo all good");

        ToolResult result = call("background_output", "task_id", "t1", "block", true);

        assertThat(result.content()).matches("task t1 \\(`sleep 0.3; echo all good`\\): completed: exit code 0 after "
                + "\\d+\\.\\d s\nfinished: completed\noutput \\(log .*t1\\.log\\):\nall good\n");
    }

    @Test
    void outputWithoutBlockOfASilentTaskSaysThereIsNoOutputYet() throws Exception {
        call("background_run", "command", "sleep 1000");

        ToolResult result = call("background_output", "task_id", "t1");

        assertThat(result.content()).startsWith("task t1 (`sleep 1000`): running for ").endsWith("\n(no output yet)");
    }

    @Test
    void stopKillsTheWholeTreeAndSaysItIsGone() throws Exception {
        Path pids = workdir.resolve("pids");
        call("background_run", "command", "sleep 1000 & echo $! >> pids; sleep 1000 & echo $! >> pids; wait");
        await().atMost(Duration.ofSeconds(10)).until(() -> pidsIn(pids).size() == 2);

        ToolResult result = call("background_stop", "task_id", "t1");

        assertThat(result).isEqualTo(ToolResult.ok("stopped t1: its process tree (3 processes) is gone"));
        await().atMost(Duration.ofSeconds(5)).until(() -> pidsIn(pids).stream().noneMatch(TaskTesting::alive));
        assertThat(call("background_list").content()).contains("t1 stopped, ");
    }

    @Test
    void stoppingAnEndedTaskSaysItHadAlreadyEnded() throws Exception {
        call("background_run", "command", "true");
        awaitEnded("t1");

        ToolResult result = call("background_stop", "task_id", "t1", "force", true);

        assertThat(result.isError()).isFalse();
        assertThat(result.content()).matches("task t1 \\(`true`\\) had already ended: completed: exit code 0 after "
                + "\\d+\\.\\d s; nothing to stop");
    }

    @Test
    void unknownTaskIdIsAnErrorNamingTheKnownIds() throws Exception {
        assertThat(call("background_output", "task_id", "t1")).isEqualTo(ToolResult.error(
                "background_output: unknown task 't1'; no background tasks have been started"));
        call("background_run", "command", "true");
        call("background_run", "command", "true");

        for (String tool : List.of("background_output", "background_stop")) {
            assertThat(call(tool, "task_id", "t9"))
                    .isEqualTo(ToolResult.error(tool + ": unknown task 't9'; known tasks: t1, t2"));
        }
        assertThat(call("background_stop")).isEqualTo(
                ToolResult.error("background_stop: field 'task_id' is required (a string)"));
        assertThat(call("background_output", "task_id", "t1", "timeout_s", 601)).isEqualTo(ToolResult.error(
                "background_output: field 'timeout_s' must be > 0 and <= 600 (seconds), got 601"));
    }
}
