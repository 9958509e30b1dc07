package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.testing.Db;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.RunConfig;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Approval of tool calls and budget pauses, with real runner JVMs and a real store. */
class HumanInTheLoopTest {

    @TempDir
    Path tmp;
    CcdHome home;
    Store store;
    Supervisor supervisor;
    FakeModelServer model;

    @BeforeEach
    void setUp() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        store = Store.open(home.db());
        supervisor = new Supervisor(home, store, RunnerLauncher.fromEnvironment());
        model = FakeModelServer.start();
    }

    @AfterEach
    void tearDown() {
        supervisor.shutdown();
        store.close();
        model.close();
    }

    private Path workdir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve("work-" + name));
    }

    /** A run of the fake Anthropic model that asks before mutating tool calls. */
    private RunSpec asking(String name, Path work, double permissionTimeoutS) {
        RunConfig config = new RunConfig("anthropic", "claude-sonnet-4-5", model.baseUrl(), null, work.toString(), "", 0,
                true, permissionTimeoutS, new Budget(null, null, 1), null, null, null, null, null, null, null);
        return new RunSpec(name, "hello", "# hello", null, work, config, RunSpec.RestartPolicy.NEVER, 0,
                Map.of("ANTHROPIC_API_KEY", "sk-test"));
    }

    private String status(String runId) throws Exception {
        return store.run(runId).orElseThrow().status().dbName();
    }

    private String pendingRequestId(String runId) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> "waiting_permission".equals(status(runId)));
        return store.permissions(null).stream().filter(p -> p.runId().equals(runId)).findFirst().orElseThrow().id();
    }

    /** The run's first request, whatever became of it: a short timeout may settle it before a poll sees it pending. */
    private String firstRequestId(String runId) {
        String query = "SELECT id FROM permission_requests WHERE run_id = '" + runId + "' ORDER BY created_at LIMIT 1";
        await().atMost(Duration.ofSeconds(10)).until(() -> Db.scalar(home.db(), query) != null);
        return (String) Db.scalar(home.db(), query);
    }

    /** The content of the tool_result the model received last. */
    private String lastToolResult() {
        JsonNode messages = model.request(model.requestCount() - 1).json().path("messages");
        JsonNode last = messages.get(messages.size() - 1).path("content");
        for (JsonNode block : last) {
            if (block.path("type").asText().equals("tool_result")) {
                return block.path("content").asText();
            }
        }
        throw new AssertionError("no tool_result in the last request: " + last);
    }

    @Test
    void anApprovedCommandRunsAndTheRunGoesBackToRunning() throws Exception {
        Path work = workdir("approve");
        model.enqueue(FakeModelReplies.anthropicToolUse("I will create the marker.",
                        new Call("toolu_1", "bash", "{\"command\":\"echo yes > approved.txt\"}")),
                FakeModelReplies.anthropicText("created it"));
        RunRow run = supervisor.start(asking("approve", work, 600));
        String id = pendingRequestId(run.id());
        assertThat(work.resolve("approved.txt")).doesNotExist();
        assertThat(store.permissions(id).get(0).rationale()).isEqualTo("I will create the marker.");

        supervisor.answerPermission(id, true, null);

        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(work.resolve("approved.txt")));
        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status(run.id())));
        assertThat(store.permissions(id).get(0).status()).isEqualTo("approved");
        assertThat(Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE kind = 'permission_approved'")).isEqualTo(1);
        assertThatThrownBy(() -> supervisor.answerPermission(id, false, "too late"))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("already approved");
        assertThatThrownBy(() -> supervisor.answerPermission("no-such-id", true, null))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("no permission request 'no-such-id'");
    }

    @Test
    void aDeniedCommandDoesNotRunAndTheModelReceivesTheReason() throws Exception {
        Path work = workdir("deny");
        model.enqueue(FakeModelReplies.anthropicToolUse(null,
                        new Call("toolu_1", "bash", "{\"command\":\"rm -rf data; echo ran > ran.txt\"}")),
                FakeModelReplies.anthropicText("understood, not deleting"));
        RunRow run = supervisor.start(asking("deny", work, 600));
        String id = pendingRequestId(run.id());

        supervisor.answerPermission(id, false, "keep the data directory");

        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status(run.id())));
        assertThat(work.resolve("ran.txt")).doesNotExist();
        assertThat(lastToolResult()).contains("did not allow").contains("keep the data directory");
        assertThat(store.permissions(id).get(0).status()).isEqualTo("denied");
        assertThat(store.permissions(id).get(0).reason()).isEqualTo("keep the data directory");
    }

    @Test
    void anUnansweredRequestExpiresAsADenialAndTheRunContinues() throws Exception {
        Path work = workdir("expire");
        model.enqueue(FakeModelReplies.anthropicToolUse(null,
                        new Call("toolu_1", "write_file", "{\"path\":\"x.txt\",\"content\":\"x\"}")),
                FakeModelReplies.anthropicText("moved on"));
        RunRow run = supervisor.start(asking("expire", work, 1));
        String id = firstRequestId(run.id());

        await().atMost(Duration.ofSeconds(5)).until(() -> store.permissions(id).get(0).status().equals("expired"));

        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status(run.id())));
        assertThat(work.resolve("x.txt")).doesNotExist();
        assertThat(lastToolResult()).contains("did not allow").contains("no answer within 1 s");
        assertThatThrownBy(() -> supervisor.answerPermission(id, true, null))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("already expired");
    }

    @Test
    void readOnlyToolsNeverAsk() throws Exception {
        Path work = workdir("readonly");
        Files.writeString(work.resolve("notes.md"), "hello");
        model.enqueue(FakeModelReplies.anthropicToolUse(null, new Call("toolu_1", "read_file", "{\"path\":\"notes.md\"}"),
                        new Call("toolu_2", "list_files", "{}"), new Call("toolu_3", "grep", "{\"pattern\":\"hel\"}")),
                FakeModelReplies.anthropicText("read it"));

        RunRow run = supervisor.start(asking("readonly", work, 600));

        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status(run.id())));
        assertThat(Db.count(home.db(), "SELECT count(*) FROM permission_requests")).isZero();
    }

    @Test
    void stopWorksWhileWaitingForApprovalAndThePendingRequestExpires() throws Exception {
        Path work = workdir("stopask");
        model.enqueue(FakeModelReplies.anthropicToolUse(null, new Call("toolu_1", "bash", "{\"command\":\"true\"}")));
        RunRow run = supervisor.start(asking("stopask", work, 600));
        String id = pendingRequestId(run.id());

        RunRow stopped = supervisor.stop("stopask", Duration.ofSeconds(5));

        assertThat(stopped.status()).isEqualTo(RunStatus.STOPPED);
        assertThat(stopped.error()).isNull();
        assertThat(store.permissions(id).get(0).status()).isEqualTo("expired");
    }

    /** A scripted run whose iterations each cost some tokens (ceil(chars/4) in and out). */
    private RunSpec budgeted(String name, long maxTokens) throws Exception {
        Path work = workdir(name);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            lines.add("{\"text\": \"iteration " + i + " " + "padding ".repeat(20) + "\"}");
        }
        Path script = Files.write(tmp.resolve(name + ".jsonl"), lines, StandardCharsets.UTF_8);
        RunConfig config = new RunConfig("scripted", null, null, script.toString(), work.toString(), "", 0, false, null,
                new Budget(maxTokens, null, null), null, null, null, null, null, null, null);
        return new RunSpec(name, "hello", "# hello", null, work, config, RunSpec.RestartPolicy.NEVER, 0, null);
    }

    private JsonNode lastPause(String runId) throws Exception {
        return store.events(0, runId, 1000, true).stream().filter(e -> e.kind().equals("paused_budget"))
                .reduce((a, b) -> b).orElseThrow().payload();
    }

    @Test
    void aRunPausesAtItsTokenBudgetAndRunsOnToTheNewBudgetAfterResume() throws Exception {
        RunRow run = supervisor.start(budgeted("budget", 3_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> "paused_budget".equals(status(run.id())));
        JsonNode first = lastPause(run.id());
        long usedAtFirstPause = first.path("used").path("tokens_in").asLong() + first.path("used").path("tokens_out").asLong();
        assertThat(first.path("reason").asText()).isEqualTo("max_tokens");
        assertThat(usedAtFirstPause).isGreaterThanOrEqualTo(3_000);
        long iterations = Db.count(home.db(), "SELECT count(*) FROM agent_iterations WHERE run_id = '" + run.id() + "'");
        // paused means paused: no iteration starts and nothing is spent
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() ->
                Db.count(home.db(), "SELECT count(*) FROM agent_iterations WHERE run_id = '" + run.id() + "'") == iterations);

        assertThatThrownBy(() -> supervisor.resume("budget", new Supervisor.BudgetChange(true, usedAtFirstPause, false, null)))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("not above the " + usedAtFirstPause);
        Budget resumed = supervisor.resume("budget", new Supervisor.BudgetChange(true, usedAtFirstPause + 3_000, false, null));

        assertThat(resumed.maxTokens()).isEqualTo(usedAtFirstPause + 3_000);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                store.events(0, run.id(), 1000, false).stream().filter(e -> e.kind().equals("paused_budget")).count() == 2);
        JsonNode second = lastPause(run.id());
        long usedAtSecondPause = second.path("used").path("tokens_in").asLong() + second.path("used").path("tokens_out").asLong();
        assertThat(usedAtSecondPause).isGreaterThanOrEqualTo(usedAtFirstPause + 3_000);
        assertThat(second.path("budget").path("max_tokens").asLong()).isEqualTo(usedAtFirstPause + 3_000);
        RunRow atSecondPause = store.run(run.id()).orElseThrow();
        assertThat(atSecondPause.status()).isEqualTo(RunStatus.PAUSED_BUDGET);
        assertThat(Db.count(home.db(), "SELECT count(*) FROM agent_iterations WHERE run_id = '" + run.id() + "'"))
                .isGreaterThan(iterations);
        assertThat(Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE kind = 'resumed'")).isEqualTo(1);

        RunRow stopped = supervisor.stop("budget", Duration.ofSeconds(5));
        assertThat(stopped.status()).isEqualTo(RunStatus.STOPPED);
    }

    @Test
    void resumingARunThatIsNotPausedIsRefused() throws Exception {
        RunRow run = supervisor.start(budgeted("notpaused", 10_000_000));
        assertThat(run.status()).isEqualTo(RunStatus.RUNNING);

        assertThatThrownBy(() -> supervisor.resume("notpaused", new Supervisor.BudgetChange(true, 5L, false, null)))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("not paused");
    }
}
