package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.TaskRow;
import dev.ccd.daemon.testing.Processes;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.RunConfig;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background tasks end to end: a real runner JVM driven by a fake Anthropic model, the daemon
 * recording {@code background_tasks}; what the model is told is read from its requests.
 */
class BackgroundTasksTest {

    @TempDir
    Path tmp;
    CcdHome home;
    Store store;
    Supervisor supervisor;
    FakeModelServer model;
    Path work;

    @BeforeEach
    void setUp() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        store = Store.open(home.db());
        supervisor = new Supervisor(home, store, RunnerLauncher.fromEnvironment());
        model = FakeModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        supervisor.shutdown();
        store.close();
        model.close();
    }

    private RunRow start(String name, int maxIterations) throws Exception {
        RunConfig config = new RunConfig("anthropic", "claude-sonnet-4-5", model.baseUrl(), null, work.toString(), "", 0,
                false, null, new Budget(null, null, maxIterations), null, null, null, 0, null, null, null);
        return supervisor.start(new RunSpec(name, "hello", "# hello", null, work, config, RunSpec.RestartPolicy.NEVER, 0,
                Map.of("ANTHROPIC_API_KEY", "sk-test")));
    }

    /** The text of the last message of a request: where notices are delivered. */
    private String lastMessageText(int request) {
        JsonNode messages = model.request(request).json().path("messages");
        StringBuilder text = new StringBuilder();
        for (JsonNode block : messages.get(messages.size() - 1).path("content")) {
            text.append(block.path("text").asText("")).append(block.path("content").asText("")).append('\n');
        }
        return text.toString();
    }

    private static FakeModelServer.Reply run(String id, String command) {
        return FakeModelReplies.anthropicToolUse(null, new Call(id, "background_run", "{\"command\":\"" + command + "\"}"));
    }

    @Test
    void aFinishedTaskIsToldToTheModelBeforeItsNextCallWithoutPolling() throws Exception {
        model.enqueue(run("toolu_1", "sleep 2; echo done"),
                FakeModelReplies.anthropicText("started the experiment"),
                FakeModelReplies.anthropicText("the experiment finished"));

        RunRow run = start("notice", 2);

        await().atMost(Duration.ofSeconds(15)).until(() -> store.run(run.id()).orElseThrow().status() == RunStatus.COMPLETED);
        assertThat(model.requestCount()).isEqualTo(3);
        String notice = lastMessageText(2);
        assertThat(notice).contains("Continue to the next iteration").contains("t1").contains("completed")
                .contains("exit code 0").contains("done");
        long waitedMs = (model.request(2).receivedNanos() - model.request(1).receivedNanos()) / 1_000_000;
        assertThat(waitedMs).as("the next iteration waited for the task, not polling").isGreaterThanOrEqualTo(1500);
        assertThat(store.tasks(run.id())).singleElement().satisfies(t -> {
            assertThat(t.taskId()).isEqualTo("t1");
            assertThat(t.status()).isEqualTo("completed");
            assertThat(t.exitCode()).isZero();
            assertThat(t.endedAt()).isNotNull();
            assertThat(Path.of(t.outputPath())).hasContent("done");
        });
    }

    @Test
    void stoppingATaskKillsItsWholeTreeAndATaskPastItsTimeoutIsTimeout() throws Exception {
        model.enqueue(
                run("toolu_1", "sleep 1000.11 & sleep 1000.12 & wait"),
                FakeModelReplies.anthropicToolUse(null, new Call("toolu_2", "background_output",
                        "{\"task_id\":\"t1\",\"block\":true,\"timeout_s\":1}")),
                FakeModelReplies.anthropicToolUse(null, new Call("toolu_3", "background_stop", "{\"task_id\":\"t1\"}")),
                FakeModelReplies.anthropicToolUse(null, new Call("toolu_4", "background_run",
                        "{\"command\":\"sleep 30\",\"timeout_s\":1}")),
                FakeModelReplies.anthropicText("waiting for the slow one"),
                FakeModelReplies.anthropicText("noted the timeout"));

        RunRow run = start("trees", 2);

        await().atMost(Duration.ofSeconds(20)).until(() -> store.run(run.id()).orElseThrow().status() == RunStatus.COMPLETED);
        // found by what they run: in the sandbox a process's pid inside is not its pid here
        assertThat(Processes.sleeping("1000.1")).isEmpty();
        assertThat(lastMessageText(2)).contains("still running");
        assertThat(lastMessageText(3)).contains("t1").contains("gone");
        assertThat(store.tasks(run.id())).extracting(TaskRow::taskId, TaskRow::status, TaskRow::exitCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("t1", "stopped", null),
                        org.assertj.core.groups.Tuple.tuple("t2", "timeout", null));
        assertThat(lastMessageText(5)).contains("t2").contains("timeout");
    }

    @Test
    void stoppingTheRunStopsItsRunningTasks() throws Exception {
        model.enqueue(run("toolu_1", "sleep 1000.21 & wait"), FakeModelReplies.anthropicText("it runs"));
        RunRow run = start("runstop", 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> Processes.sleeping("1000.21").size() == 1);

        RunRow stopped = supervisor.stop("runstop", Duration.ofSeconds(5));

        assertThat(stopped.status()).isEqualTo(RunStatus.STOPPED);
        assertThat(Processes.sleeping("1000.21")).isEmpty();
        assertThat(store.tasks(run.id())).singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("stopped"));
    }

    @Test
    void fiftyConcurrentTasksAllCompleteAndEachNoticeArrivesExactlyOnce() throws Exception {
        Call[] calls = new Call[50];
        for (int i = 0; i < 50; i++) {
            calls[i] = new Call("toolu_" + i, "background_run",
                    "{\"command\":\"sleep 0.$((RANDOM % 10)); echo task-output-" + i + "\"}");
        }
        model.enqueue(FakeModelReplies.anthropicToolUse(null, calls));
        model.respondWith(request -> FakeModelReplies.anthropicText("acknowledged " + System.nanoTime()));

        RunRow run = start("fifty", 200);

        await().atMost(Duration.ofSeconds(30)).until(() -> store.tasks(run.id()).size() == 50
                && store.tasks(run.id()).stream().allMatch(t -> t.status().equals("completed")));
        Pattern notice = Pattern.compile("Background task (t\\d+) ");
        // once every task is done, the turns no longer wait: the run reaches its 200 iterations
        await().atMost(Duration.ofSeconds(60)).until(() -> store.run(run.id()).orElseThrow().status() == RunStatus.COMPLETED);
        Map<String, Integer> delivered = noticesDelivered(notice);
        assertThat(delivered).hasSize(50).allSatisfy((task, times) -> assertThat(times).as(task).isEqualTo(1));
    }

    /** How many times each task's notice was delivered (as new content, in the last message). */
    private Map<String, Integer> noticesDelivered(Pattern notice) {
        Map<String, Integer> counts = new HashMap<>();
        for (int r = 0; r < model.requestCount(); r++) {
            Matcher m = notice.matcher(lastMessageText(r));
            while (m.find()) {
                counts.merge(m.group(1), 1, Integer::sum);
            }
        }
        return counts;
    }
}
