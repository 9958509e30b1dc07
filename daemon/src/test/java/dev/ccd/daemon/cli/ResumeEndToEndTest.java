package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import dev.ccd.daemon.testing.RealDaemon;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelReplies.Call;
import dev.ccd.runner.provider.FakeModelServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Resume end to end: a real daemon process, real runner JVMs, a fake OpenAI-compatible model on
 * 127.0.0.1 whose requests show what the model was given. Each run does iteration 1 (a
 * background task, and a bash call whose output is the marker), begins iteration 2 (one tool
 * call), then hangs in a model call until the test kills something.
 */
class ResumeEndToEndTest extends RealDaemon {
    /** Only in the output of iteration 1's bash call: its command computes it. */
    private static final String MARKER = "MARKER-42";
    private static final ObjectMapper JSON = new ObjectMapper();
    private FakeModelServer model;

    @BeforeEach
    void model() throws IOException {
        model = FakeModelServer.start();
        Files.createDirectories(home);
        // the turn that ends iteration 1 must not wait for the background task to finish
        Files.writeString(home.resolve("config.json"), "{\"task_wait_max_s\": 0}");
    }

    @AfterEach
    void closeModel() {
        model.close();
    }

    /** Iteration 1, the first call of iteration 2, and a reply that does not come while the test acts. */
    private void enqueueUntilIterationTwoHangs() {
        model.enqueue(
                FakeModelReplies.openAiToolCalls(null,
                        new Call("c1", "background_run", "{\"command\":\"echo TASK-OUT-LINE; sleep 1000.31\"}"),
                        new Call("c2", "bash", "{\"command\":\"echo MARKER-$((6*7))\"}")),
                FakeModelReplies.openAiText("iteration one done"),
                FakeModelReplies.openAiToolCalls(null, new Call("c3", "bash", "{\"command\":\"echo PARTIAL-CALL\"}")),
                FakeModelReplies.openAiText("never seen").delayed(Duration.ofSeconds(120)));
    }

    /** What comes after a resume: two more iterations, which the budget of 3 completed allows. */
    private void enqueueAfterResume() {
        model.enqueue(FakeModelReplies.openAiText("iteration three done"),
                FakeModelReplies.openAiText("iteration four done"));
    }

    private Cli.Result ok(String... args) {
        Cli.Result result = ccd.run(args);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    private void startAgent(String name, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("agent", "start", name, "--template", "hello", "--provider", "openai",
                "--model", "fake-model", "--base-url", model.baseUrl() + "/v1", "--workdir", workdir(name).toString(),
                "--max-iterations", "3"));
        args.addAll(List.of(more));
        ok(args.toArray(String[]::new));
    }

    private Path workdir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("work-" + name));
    }

    private Path db() {
        return home.resolve("ccd.db");
    }

    private List<String> iterations(String name) {
        return Db.query(db(), "SELECT i.iteration, i.status FROM agent_iterations i JOIN agent_runs r ON r.id = i.run_id"
                + " WHERE r.name = '" + name + "' ORDER BY i.iteration, r.started_at").stream()
                .map(r -> r.get("iteration") + " " + r.get("status")).toList();
    }

    private Object runField(String name, String column) {
        return Db.scalar(db(), "SELECT " + column + " FROM agent_runs WHERE name = '" + name
                + "' ORDER BY started_at DESC, rowid DESC LIMIT 1");
    }

    private long runnerPid(String name) {
        return ((Number) runField(name, "pid")).longValue();
    }

    /** The text of the last user message of a request: where the resume note is. */
    private String lastUserText(int request) {
        JsonNode messages = model.request(request).json().path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).path("role").asText().equals("user")) {
                JsonNode content = messages.get(i).path("content");
                return content.isTextual() ? content.asText() : content.toString();
            }
        }
        return "";
    }

    private void awaitRequests(int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> model.requestCount() >= n);
    }

    private void awaitStatus(String name, String status) {
        await().atMost(Duration.ofSeconds(60)).until(() -> status.equals(runField(name, "status")));
    }

    /** The request after the resume holds iteration 1's conversation and says what happened. */
    private void assertResumedRequest(int request, String how) {
        assertThat(model.request(request).body()).contains(MARKER);
        assertThat(lastUserText(request))
                .contains("The run was " + how + " during iteration 2")
                .contains("bash").contains("PARTIAL-CALL")
                .contains("t1").contains("sleep 1000.31").contains("was lost").contains("TASK-OUT-LINE")
                .contains("Continue to the next iteration");
    }

    @Test
    void aRunInterruptedByAKilledDaemonIsResumedWithItsConversationAndBudget() throws Exception {
        long daemon = startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("night");
        awaitRequests(4);
        long runner = runnerPid("night");

        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Processes.alive(runner));
        startDaemon();
        assertThat(runField("night", "status")).isEqualTo("interrupted");
        enqueueAfterResume();

        Cli.Result resumed = ok("agent", "resume", "night");

        assertThat(resumed.out()).contains("continues from its checkpoint");
        awaitStatus("night", "completed");
        assertResumedRequest(4, "interrupted");
        assertThat(model.requestCount()).as("3 iterations completed: the budget counted the one before the resume")
                .isEqualTo(6);
        assertThat(iterations("night")).containsExactly("1 ok", "2 interrupted", "3 ok", "4 ok");
        assertThat(Db.count(db(), "SELECT count(*) FROM agent_runs")).isOne();
        assertThat(runField("night", "resume_count")).isEqualTo(1);
        assertThat(ok("agent", "status", "night").out()).contains("resumed 1 time from its checkpoint");
        assertThat(ok("agent", "status", "night", "--json").out()).contains("\"resume_count\" : 1");
        assertThat(((Number) runField("night", "tokens_in")).longValue()).isEqualTo(
                ((Number) Db.scalar(db(), "SELECT sum(tokens_in) FROM agent_iterations")).longValue());
        assertThat(ok("agent", "logs", "night", "-n", "200").out())
                .contains("run resumed after it was interrupted (resume 1): iteration 3 next");
        String runId = (String) runField("night", "id");
        assertThat(Files.readString(home.resolve("runs/" + runId + "/transcript.jsonl"))).contains("\"kind\":\"resumed\"");
        assertThat(Processes.sleeping("1000.31")).isEmpty();
    }

    @Test
    void aRunnerKilledUnderRestartOnCrashGoesOnWithItsConversation() throws Exception {
        startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("crashy", "--restart", "on-crash", "--max-restarts", "2");
        awaitRequests(4);
        String first = (String) runField("crashy", "id");
        enqueueAfterResume();

        ProcessHandle.of(runnerPid("crashy")).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(60)).until(() ->
                Db.count(db(), "SELECT count(*) FROM agent_runs WHERE status = 'completed'") == 1);
        assertResumedRequest(4, "crashed");
        assertThat(model.requestCount()).isEqualTo(6);
        assertThat(iterations("crashy")).containsExactly("1 ok", "2 interrupted", "3 ok", "4 ok");
        List<Map<String, Object>> runs = Db.query(db(), "SELECT id, status, restart_of, restart_count FROM agent_runs"
                + " ORDER BY started_at, rowid");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).get("status")).isEqualTo("crashed");
        assertThat(runs.get(1).get("restart_of")).isEqualTo(first);
        assertThat(runs.get(1).get("restart_count")).isEqualTo(1);
        assertThat(Processes.sleeping("1000.31")).isEmpty();
    }

    @Test
    void aDaemonStartResumesTheInterruptedRunsThatAskForItOnly() throws Exception {
        long daemon = startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("auto", "--resume-on-start");
        awaitRequests(4);
        long runner = runnerPid("auto");
        model.enqueue(FakeModelReplies.openAiText("a fresh run's only iteration"));
        startAgent("manual", "--interval", "600");
        awaitRequests(5);
        long manualRunner = runnerPid("manual");
        enqueueAfterResume();

        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Processes.alive(runner) && !Processes.alive(manualRunner));
        startDaemon();

        awaitStatus("auto", "completed");
        assertResumedRequest(5, "interrupted");
        assertThat(iterations("auto")).containsExactly("1 ok", "2 interrupted", "3 ok", "4 ok");
        assertThat(Db.scalar(db(), "SELECT payload_json FROM daemon_events WHERE kind = 'run_resumed'").toString())
                .contains("\"automatic\":true");
        assertThat(runField("manual", "status")).isEqualTo("interrupted");
        assertThat(runField("manual", "resume_count")).isEqualTo(0);
    }

    @Test
    void aRunRestartedOnCrashesGoesOnAfterACleanDaemonStopAndStart() throws Exception {
        startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("service", "--restart", "on-crash");
        awaitRequests(4);
        enqueueAfterResume();

        ok("stop");
        assertThat(runField("service", "status")).isEqualTo("stopped");
        startDaemon();

        awaitStatus("service", "completed");
        assertResumedRequest(4, "stopped");
        assertThat(iterations("service")).containsExactly("1 ok", "2 stopped", "3 ok", "4 ok");
        assertThat(Db.count(db(), "SELECT count(*) FROM agent_runs")).isOne();
    }

    @Test
    void aStoppedRunIsResumedWithANewBudgetThatCountsWhatWasSpentAndACompletedOneOnlyWithForce() throws Exception {
        startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("paused");
        awaitRequests(4);
        ok("agent", "stop", "paused");
        assertThat(runField("paused", "status")).isEqualTo("stopped");
        enqueueAfterResume();
        // three calls of 15 tokens each were made, the stopped iteration's too: a budget must be above them
        Cli.Result tooLow = ccd.run("agent", "resume", "paused", "--max-tokens", "45");
        assertThat(tooLow.exitCode()).as(tooLow.toString()).isNotZero();
        assertThat(tooLow.err()).contains("is not above the 45 tokens");
        assertThat(runField("paused", "status")).isEqualTo("stopped");

        ok("agent", "resume", "paused", "--max-tokens", "60");

        // iteration 3 brings the carried 45 to 60: the budget pauses the run before iteration 4
        awaitStatus("paused", "paused_budget");
        assertThat(model.requestCount()).isEqualTo(5);
        assertThat(ok("agent", "resume", "paused", "--max-tokens", "1000").out()).contains("resumed with max tokens 1000");
        awaitStatus("paused", "completed");
        assertResumedRequest(4, "stopped");
        assertThat(iterations("paused")).containsExactly("1 ok", "2 stopped", "3 ok", "4 ok");

        Cli.Result again = ccd.run("agent", "resume", "paused");
        assertThat(again.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(again.err()).contains("completed").contains("--force");
        assertThat(runField("paused", "resume_count")).as("lifting a budget pause is not a resume of an ended run")
                .isEqualTo(1);

        // forced, it goes on; its iteration budget is spent, so it completes again before any model call
        ok("agent", "resume", "paused", "--force");
        await().atMost(Duration.ofSeconds(60)).until(() -> "completed".equals(runField("paused", "status"))
                && Integer.valueOf(2).equals(runField("paused", "resume_count")));
        assertThat(model.requestCount()).isEqualTo(6);

        // with a higher iteration limit, a completed run does one more iteration and completes again
        Cli.Result word = ccd.run("agent", "resume", "paused", "--force", "--max-iterations", "lots");
        assertThat(word.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(word.err()).contains("--max-iterations lots: must be").contains("or 'unlimited'");
        model.enqueue(FakeModelReplies.openAiText("iteration five done"));
        ok("agent", "resume", "paused", "--force", "--max-iterations", "4");
        await().atMost(Duration.ofSeconds(60)).until(() -> "completed".equals(runField("paused", "status"))
                && Integer.valueOf(3).equals(runField("paused", "resume_count")));
        assertThat(iterations("paused")).containsExactly("1 ok", "2 stopped", "3 ok", "4 ok", "5 ok");
    }

    @Test
    void aResumeCountsTheRecordedSpendingWhenTheCheckpointIsRewrittenToZeroAndTheJournalIsGone() throws Exception {
        startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("forged");
        awaitRequests(4);
        ok("agent", "stop", "forged");
        Path runDir = home.resolve("runs/" + runField("forged", "id"));
        ObjectNode checkpoint = (ObjectNode) JSON.readTree(Files.readString(runDir.resolve("checkpoint.json")));
        checkpoint.put("tokens_in", 0).put("tokens_out", 0).put("cost_usd", 0);
        Files.writeString(runDir.resolve("checkpoint.json"), checkpoint.toString());
        Files.deleteIfExists(runDir.resolve("iteration.jsonl"));
        enqueueAfterResume();

        ok("agent", "resume", "forged", "--max-tokens", "60");

        // the record's 45 tokens count, not the checkpoint's 0: iteration 3 brings them to 60, and the run pauses
        awaitStatus("forged", "paused_budget");
        assertThat(model.requestCount()).isEqualTo(5);
        assertThat(((Number) runField("forged", "tokens_in + tokens_out")).longValue()).isEqualTo(60);
        assertThat(iterations("forged")).startsWith("1 ok", "2 stopped", "3 ok");
    }

    /**
     * Iterations 1 and 2 spend the 30 tokens the run may: it pauses before iteration 3, is resumed
     * with 1000, and hangs in iteration 3's model call.
     */
    private void pauseThenRaiseTheBudget(String name, String... more) throws IOException {
        model.enqueue(FakeModelReplies.openAiText("iteration one done"), FakeModelReplies.openAiText("iteration two done"),
                FakeModelReplies.openAiText("never seen").delayed(Duration.ofSeconds(120)));
        List<String> args = new ArrayList<>(List.of("--max-tokens", "30"));
        args.addAll(List.of(more));
        startAgent(name, args.toArray(String[]::new));
        awaitStatus(name, "paused_budget");
        assertThat(model.requestCount()).isEqualTo(2);

        ok("agent", "resume", name, "--max-tokens", "1000");

        awaitRequests(3);
        assertThat(Files.readString(home.resolve("runs/" + runField(name, "id") + "/spec.json")))
                .as("the raised budget is the one a later start of the run takes").contains("\"max_tokens\":1000");
        model.enqueue(FakeModelReplies.openAiText("iteration four done"));
    }

    @Test
    void aBudgetRaisedAtAPauseIsKeptByTheRestartAfterTheRunnerIsKilled() throws Exception {
        startDaemon();
        pauseThenRaiseTheBudget("raised", "--restart", "on-crash");

        ProcessHandle.of(runnerPid("raised")).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(60)).until(() ->
                Db.count(db(), "SELECT count(*) FROM agent_runs WHERE status = 'completed'") == 1);
        assertThat(model.requestCount()).isEqualTo(4);
        assertThat(iterations("raised")).containsExactly("1 ok", "2 ok", "3 interrupted", "4 ok");
        assertThat(Db.count(db(), "SELECT count(*) FROM daemon_events WHERE kind = 'paused_budget'")).isOne();
        assertThat(Files.readString(home.resolve("runs/" + runField("raised", "id") + "/spec.json")))
                .contains("\"max_tokens\":1000");
    }

    @Test
    void aBudgetRaisedAtAPauseIsKeptByAResumeAfterTheDaemonWasKilled() throws Exception {
        long daemon = startDaemon();
        pauseThenRaiseTheBudget("kept");
        long runner = runnerPid("kept");

        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Processes.alive(runner));
        startDaemon();
        ok("agent", "resume", "kept");

        awaitStatus("kept", "completed");
        assertThat(model.requestCount()).isEqualTo(4);
        assertThat(iterations("kept")).containsExactly("1 ok", "2 ok", "3 interrupted", "4 ok");
        assertThat(Db.count(db(), "SELECT count(*) FROM daemon_events WHERE kind = 'paused_budget'")).isOne();
    }

    @Test
    void aScriptedRunGoesOnWithTheRestOfItsScriptAndTheStateOfItsStopRules() throws Exception {
        startDaemon();
        Path script = tmp.resolve("stagnating.jsonl");
        Files.write(script, List.of("{\"text\": \"alpha\"}", "{\"text\": \"same\"}", "{\"text\": \"same\"}",
                "{\"text\": \"\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"sleep 30.41\"}}]}",
                "{\"text\": \"same\"}", "{\"text\": \"other\"}", "{\"text\": \"another\"}"), StandardCharsets.UTF_8);
        ok("agent", "start", "stuck", "--template", "hello", "--script", script.toString(), "--workdir",
                workdir("stuck").toString());
        await().atMost(Duration.ofSeconds(30)).until(() -> !Processes.sleeping("30.41").isEmpty());
        ok("agent", "stop", "stuck");

        ok("agent", "resume", "stuck");

        // the fifth turn, not the first, and a third "same" in a row: stagnation, as without the stop
        awaitStatus("stuck", "completed");
        assertThat(iterations("stuck")).containsExactly("1 ok", "2 ok", "3 ok", "4 stopped", "5 ok");
        assertThat(Db.scalar(db(), "SELECT payload_json FROM daemon_events WHERE kind = 'run_ended'"
                + " ORDER BY id DESC LIMIT 1").toString()).contains("stagnation");
    }

    @Test
    void resumingARunWhoseWorkdirIsGoneFailsClearlyAndChangesNothing() throws Exception {
        startDaemon();
        enqueueUntilIterationTwoHangs();
        startAgent("lost");
        awaitRequests(4);
        ok("agent", "stop", "lost");
        Path work = tmp.resolve("work-lost");
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        long events = Db.count(db(), "SELECT count(*) FROM daemon_events");

        Cli.Result resumed = ccd.run("agent", "resume", "lost");

        assertThat(resumed.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(resumed.err()).contains("cannot be resumed").contains("workdir " + work + " is gone");
        assertThat(runField("lost", "status")).isEqualTo("stopped");
        assertThat(runField("lost", "resume_count")).isEqualTo(0);
        assertThat(Db.count(db(), "SELECT count(*) FROM daemon_events")).isEqualTo(events);
        assertThat(model.requestCount()).isEqualTo(4);
        assertThat(Files.readString(home.resolve("runs/" + runField("lost", "id") + "/checkpoint.json"),
                StandardCharsets.UTF_8)).contains(MARKER);
    }
}
