package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import dev.ccd.runner.provider.FakeModelReplies;
import dev.ccd.runner.provider.FakeModelServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's verbs through the real CLI, a real daemon process and real runner JVMs:
 * permission list / approve / deny, agent resume, agent tasks, events.
 */
class CliWorkflowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path home;
    Cli ccd;
    long daemon;

    @BeforeEach
    void startDaemon() {
        home = tmp.resolve("home");
        ccd = new Cli(home);
        Cli.Result start = ccd.run("start");
        assertThat(start.exitCode()).as(start.toString()).isZero();
        daemon = Processes.pidIn(home.resolve("run/ccd.pid")).orElseThrow();
    }

    @AfterEach
    void stopDaemon() {
        ccd.run("stop");
        Processes.killTree(daemon);
    }

    private Path script(String... lines) throws IOException {
        return Files.write(tmp.resolve("script-" + System.nanoTime() + ".jsonl"), List.of(lines), StandardCharsets.UTF_8);
    }

    private Path workdir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("work-" + name));
    }

    private String status(String name) {
        return (String) Db.scalar(home.resolve("ccd.db"),
                "SELECT status FROM agent_runs WHERE name = '" + name + "' ORDER BY started_at DESC LIMIT 1");
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = ccd.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    /** The pending request of that agent, once there is one. */
    private JsonNode pendingRequest(String name) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            for (JsonNode r : JSON.readTree(ok("permission", "list", "--json").out())) {
                if (r.path("name").asText().equals(name)) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Test
    void anAskingRunIsApprovedAndDeniedFromTheCommandLine() throws Exception {
        Path work = workdir("asker");
        Files.createDirectories(work.resolve("data"));
        Path script = script(
                "{\"text\": \"I will create the marker.\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo yes > approved.txt\"}}]}",
                "{\"text\": \"created\"}",
                "{\"text\": \"Cleaning up.\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"rm -rf data\"}}]}",
                "{\"text\": \"left it\"}");
        ok("agent", "start", "asker", "--template", "hello", "--script", script.toString(), "--workdir", work.toString(),
                "--ask");

        JsonNode first = pendingRequest("asker");
        String table = ok("permission", "list").out();
        assertThat(table).contains(first.path("id").asText()).contains("asker").contains("bash")
                .contains("echo yes > approved.txt");
        assertThat(status("asker")).isEqualTo("waiting_permission");
        assertThat(work.resolve("approved.txt")).doesNotExist();

        assertThat(ok("permission", "approve", first.path("id").asText()).out())
                .contains("approved " + first.path("id").asText() + " (asker bash)");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(work.resolve("approved.txt")));
        Cli.Result again = ccd.run("permission", "approve", first.path("id").asText());
        assertThat(again.exitCode()).as(again.toString()).isNotZero();
        assertThat(again.err()).contains("already approved");

        JsonNode second = pendingRequest("asker");
        assertThat(second.path("id").asText()).isNotEqualTo(first.path("id").asText());
        ok("permission", "deny", second.path("id").asText(), "--reason", "keep the data");

        await().atMost(Duration.ofSeconds(10)).until(() -> "completed".equals(status("asker")));
        assertThat(work.resolve("data")).isDirectory();
        assertThat(ok("agent", "logs", "asker").out())
                .contains("permission approved " + first.path("id").asText())
                .contains("permission denied " + second.path("id").asText() + ": keep the data");
        Cli.Result unknown = ccd.run("permission", "deny", "no-such-request");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.err()).contains("no permission request 'no-such-request'");
        assertThat(ok("permission", "list").out()).contains("no pending permission requests");
    }

    @Test
    void aBudgetPauseIsLiftedWithAResumeFromTheCommandLineAndALowerBudgetIsRefusedWithTheNumbers() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add("{\"text\": \"iteration " + i + " " + "padding ".repeat(20) + "\"}");
        }
        Path script = script(lines.toArray(String[]::new));
        ok("agent", "start", "spender", "--template", "hello", "--script", script.toString(), "--workdir",
                workdir("spender").toString(), "--max-tokens", "3000", "--max-cost", "unlimited");

        await().atMost(Duration.ofSeconds(15)).until(() -> "paused_budget".equals(status("spender")));
        long used = Db.count(home.resolve("ccd.db"), "SELECT tokens_in + tokens_out FROM agent_runs WHERE name = 'spender'");
        assertThat(used).isGreaterThanOrEqualTo(3000);
        assertThat(ok("agent", "status", "spender").out()).contains("paused_budget").contains("max tokens 3000");

        Cli.Result refused = ccd.run("agent", "resume", "spender", "--max-tokens", "100");
        assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
        assertThat(refused.err()).contains("100").contains(String.valueOf(used));
        assertThat(status("spender")).isEqualTo("paused_budget");

        long iterations = Db.count(home.resolve("ccd.db"), "SELECT last_iteration FROM agent_runs WHERE name = 'spender'");
        assertThat(ok("agent", "resume", "spender", "--max-tokens", String.valueOf(used + 3000)).out())
                .contains("resumed with max tokens " + (used + 3000));
        await().atMost(Duration.ofSeconds(15)).until(() -> "paused_budget".equals(status("spender"))
                && Db.count(home.resolve("ccd.db"), "SELECT last_iteration FROM agent_runs WHERE name = 'spender'") > iterations);
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT tokens_in + tokens_out FROM agent_runs WHERE name = 'spender'"))
                .isGreaterThanOrEqualTo(used + 3000);
        ok("agent", "stop", "spender");
        assertThat(status("spender")).isEqualTo("stopped");
    }

    @Test
    void backgroundTasksAndEventsAreListedFromTheCommandLine() throws Exception {
        Path script = script(
                "{\"text\": \"starting\", \"tool_calls\": [{\"name\": \"background_run\", \"input\": {\"command\": \"sleep 0.3; echo finished-task\"}}]}",
                "{\"text\": \"waiting for it\"}",
                "{\"text\": \"it finished\"}");
        ok("agent", "start", "tasker", "--template", "hello", "--script", script.toString(), "--workdir",
                workdir("tasker").toString(), "--max-iterations", "2");

        await().atMost(Duration.ofSeconds(15)).until(() -> "completed".equals(status("tasker")));
        String tasks = ok("agent", "tasks", "tasker").out();
        assertThat(tasks).contains("t1").contains("completed").contains("sleep 0.3; echo finished-task");
        Path log = Path.of(JSON.readTree(ok("agent", "tasks", "tasker", "--json").out()).get(0).path("output_path").asText());
        assertThat(log).content().contains("finished-task");

        String events = ok("events").out();
        assertThat(events).contains("task t1 started: sleep 0.3; echo finished-task")
                .contains("task t1 completed (exit 0)").contains("run ended completed (max_iterations)");
        long last = Db.count(home.resolve("ccd.db"), "SELECT max(id) FROM daemon_events");
        assertThat(ok("events", "--since", String.valueOf(last - 1)).out().lines()).hasSize(1);
        Cli.Result negative = ccd.run("events", "--since", "-1");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("--since -1: must be at least 0 (event id)");
    }

    @Test
    void aRunWithoutAModelRecordsTheModelItsProviderUsesNotOneConfiguredForAnotherProvider() throws Exception {
        // config.json chose another provider, with its model and URL: they do not follow --provider
        Files.writeString(home.resolve("config.json"), "{\"provider\": \"anthropic\", \"model\": \"claude-from-config\","
                + " \"base_url\": \"http://127.0.0.1:9/never\"}");
        try (FakeModelServer model = FakeModelServer.start()) {
            model.enqueue(FakeModelReplies.openAiText("hello from the default model"));

            ok("agent", "start", "local", "--template", "hello", "--provider", "openai", "--base-url",
                    model.baseUrl() + "/v1", "--workdir", workdir("local").toString(), "--max-iterations", "1");

            await().atMost(Duration.ofSeconds(15)).until(() -> "completed".equals(status("local")));
            assertThat(Db.scalar(home.resolve("ccd.db"), "SELECT model FROM agent_runs WHERE name = 'local'"))
                    .isEqualTo("gpt-4o-mini");
            assertThat(model.request(0).json().path("model").asText()).isEqualTo("gpt-4o-mini");
        }
    }

    @Test
    void aRunWhoseScriptTheRunnerCannotReadFailsTheStartWithTheRunnersReason() throws Exception {
        Path script = script("{\"text\": \"fine\"}", "this line is not JSON");

        Cli.Result start = ccd.run("agent", "start", "broken", "--template", "hello", "--script", script.toString(),
                "--workdir", workdir("broken").toString());

        // a configuration the runner refuses is a usage error: exit 2
        assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(start.err()).contains("broken: run ").contains("failed at start")
                .contains("bad_config").contains(script + " line 2: not JSON");
        assertThat(status("broken")).isEqualTo("failed");
    }
}
