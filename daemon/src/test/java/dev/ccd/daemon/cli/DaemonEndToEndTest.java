package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import dev.ccd.daemon.testing.RealDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole product from the outside: the CLI starts a real daemon process, which starts real
 * runner JVMs; the record is read from ccd.db with plain SQL.
 */
class DaemonEndToEndTest extends RealDaemon {

    private Path script(String... lines) throws IOException {
        Path file = tmp.resolve("script-" + System.nanoTime() + ".jsonl");
        Files.write(file, List.of(lines), StandardCharsets.UTF_8);
        return file;
    }

    /** A script whose iterations each run one command, then say they did. */
    private Path looping(int iterations, String command) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= iterations; i++) {
            lines.add("{\"text\": \"step " + i + "\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \""
                    + command + "\"}}]}");
            lines.add("{\"text\": \"iteration " + i + " done\"}");
        }
        Path file = tmp.resolve("loop-" + System.nanoTime() + ".jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    private Path workdir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("work-" + name));
    }

    @Test
    void startAgentRecordIterationsStopItAndLeaveNothingBehind() throws Exception {
        long daemon = startDaemon();
        Path work = workdir("demo");
        Path script = looping(1000, "echo tick >> ticks; sleep 0.0101");

        Cli.Result start = ccd.run("agent", "start", "demo", "--template", "hello", "--script", script.toString(),
                "--workdir", work.toString(), "--interval", "0.2");

        assertThat(start.exitCode()).as(start.toString()).isZero();
        assertThat(start.out()).contains("started demo").contains("status running");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM agent_iterations WHERE status = 'ok'") >= 3);
        long runnerPid = ((Number) Db.scalar(home.resolve("ccd.db"), "SELECT pid FROM agent_runs WHERE name = 'demo'")).longValue();
        assertThat(Processes.alive(runnerPid)).isTrue();
        assertThat(ccd.run("agent", "list").out()).contains("demo").contains("running");

        Cli.Result stop = ccd.run("agent", "stop", "demo");

        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        assertThat(stop.out()).contains("stopped");
        Map<String, Object> run = Db.query(home.resolve("ccd.db"), "SELECT * FROM agent_runs WHERE name = 'demo'").get(0);
        assertThat(run.get("status")).isEqualTo("stopped");
        assertThat((String) run.get("ended_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(Processes.alive(runnerPid)).isFalse();
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM daemon_events WHERE kind = 'iteration'"))
                .isGreaterThanOrEqualTo(3);
        if (Files.isExecutable(Path.of("/usr/bin/sqlite3"))) {
            Process sqlite = new ProcessBuilder("/usr/bin/sqlite3", home.resolve("ccd.db").toString(),
                    "SELECT count(*) FROM agent_iterations").redirectErrorStream(true).start();
            String out = new String(sqlite.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(sqlite.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(Long.parseLong(out)).isGreaterThanOrEqualTo(3);
        }

        Cli.Result stopDaemon = ccd.run("stop");

        assertThat(stopDaemon.exitCode()).as(stopDaemon.toString()).isZero();
        assertThat(Processes.alive(daemon)).isFalse();
        // found by what they run: in the sandbox a process's pid inside is not its pid here
        assertThat(Processes.running(work.toString())).as("sandboxes of the run").isEmpty();
        assertThat(Processes.sleeping("0.0101")).isEmpty();
        assertThat(home.resolve("run/ccd.sock")).doesNotExist();
        assertThat(home.resolve("run/ccd.pid")).doesNotExist();
        assertThat(ccd.run("status").exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
    }

    @Test
    void secondStartIsRefusedWithThePidAndStaleFilesAreCleaned() throws Exception {
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/ccd.pid"), "999999999\n");
        Files.writeString(home.resolve("run/ccd.sock"), "stale");
        long pid = startDaemon();

        Cli.Result again = ccd.run("start");

        assertThat(again.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(again.err()).contains("already running").contains("pid " + pid);
        Cli.Result status = ccd.run("status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).contains("pid " + pid);
        assertThat(status.out()).containsPattern("record: ok, \\d+ writes queued, WAL [0-9.]+ (B|KiB|MiB)");
        JsonNode record = new ObjectMapper().readTree(ccd.run("status", "--json").out()).path("record");
        assertThat(record.path("state").asText()).isEqualTo("ok");
        assertThat(record.has("writes_queued") && record.has("wal_bytes") && record.has("wal_warning")).isTrue();
    }

    @Test
    void killingTheDaemonEndsItsRunnersAndTheNextStartMarksThemInterrupted() throws Exception {
        long daemon = startDaemon();
        Path script = looping(1000, "sleep 0.05");
        assertThat(ccd.run("agent", "start", "a", "--template", "hello", "--script", script.toString(),
                "--workdir", workdir("a").toString()).exitCode()).isZero();
        assertThat(ccd.run("agent", "start", "b", "--template", "hello", "--script", script.toString(),
                "--workdir", workdir("b").toString()).exitCode()).isZero();
        List<Long> runners = Db.query(home.resolve("ccd.db"), "SELECT pid FROM agent_runs").stream()
                .map(r -> ((Number) r.get("pid")).longValue()).toList();
        assertThat(runners).hasSize(2).allMatch(Processes::alive);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Db.scalar(home.resolve("ccd.db"), "SELECT ts FROM daemon_heartbeat") != null);
        Instant heartbeat = Instant.parse((String) Db.scalar(home.resolve("ccd.db"), "SELECT ts FROM daemon_heartbeat"));

        Instant killed = Instant.now();
        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(10)).until(() -> runners.stream().noneMatch(Processes::alive));
        startDaemon();
        Instant restarted = Instant.parse((String) Db.scalar(home.resolve("ccd.db"),
                "SELECT max(ts) FROM daemon_events WHERE kind = 'daemon_started'"));
        assertThat(restarted).isAfter(killed);
        assertThat(Db.query(home.resolve("ccd.db"), "SELECT status, ended_at FROM agent_runs"))
                .hasSize(2)
                .allSatisfy(r -> {
                    assertThat(r.get("status")).isEqualTo("interrupted");
                    // the last sign of life before the kill (a heartbeat or the run's own), not the next start
                    assertThat(Instant.parse((String) r.get("ended_at"))).isBetween(heartbeat, killed);
                });
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM agent_iterations WHERE status = 'running'")).isZero();
    }

    @Test
    void badStartRequestsGetAClearErrorAndCreateNothing() throws Exception {
        startDaemon();
        Path script = script("{\"text\": \"done\"}");
        String work = workdir("x").toString();

        Cli.Result badName = ccd.run("agent", "start", "Bad Name", "--template", "hello", "--script", script.toString());
        Cli.Result noTemplate = ccd.run("agent", "start", "x", "--template", "nope", "--script", script.toString());
        Cli.Result badProvider = ccd.run("agent", "start", "x", "--template", "hello", "--provider", "gpt", "--script", script.toString());
        Cli.Result noScript = ccd.run("agent", "start", "x", "--template", "hello", "--script", tmp.resolve("missing.jsonl").toString());
        Cli.Result badWorkdir = ccd.run("agent", "start", "x", "--template", "hello", "--script", script.toString(),
                "--workdir", tmp.resolve("missing-dir").toString());
        Cli.Result badRestart = ccd.run("agent", "start", "x", "--template", "hello", "--script", script.toString(),
                "--restart", "always", "--workdir", work);

        Cli.Result missingArgs = ccd.run("agent", "start", "x", "--template", "autoresearch", "--script", script.toString(),
                "--args", "command='./train.sh' metric=val_loss", "--workdir", work);
        Cli.Result badBudget = ccd.run("agent", "start", "x", "--template", "hello", "--script", script.toString(),
                "--max-cost", "lots", "--workdir", work);

        assertThat(List.of(badName, noTemplate, badProvider, noScript, badWorkdir, badRestart, missingArgs, badBudget))
                .allSatisfy(r -> assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE));
        assertThat(badName.err()).contains("'name' is 'Bad Name'").contains("a-z, 0-9");
        assertThat(noTemplate.err()).contains("'template' is 'nope'").contains("available: ").contains("hello");
        assertThat(badProvider.err()).contains("'provider' is 'gpt'").contains("anthropic, openai, scripted");
        assertThat(noScript.err()).contains("'script'").contains("missing.jsonl").contains("not a readable file");
        assertThat(badWorkdir.err()).contains("'workdir'").contains("not a directory");
        assertThat(badRestart.err()).contains("'restart' is 'always'").contains("never, on-crash");
        assertThat(missingArgs.err()).contains("'args' lacks direction, budget, file").contains("template autoresearch");
        assertThat(badBudget.err()).contains("--max-cost lots: must be a number of US dollars").contains("'unlimited'");
        if (System.getenv("ANTHROPIC_API_KEY") == null) {
            Cli.Result noKey = ccd.run("agent", "start", "x", "--template", "hello", "--provider", "anthropic",
                    "--workdir", work);
            assertThat(noKey.exitCode()).as(noKey.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(noKey.err()).contains("needs ANTHROPIC_API_KEY");
        }
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM agent_runs")).isZero();
    }

    @Test
    void aLiveNameCannotBeStartedTwice() throws Exception {
        startDaemon();
        Path script = looping(1000, "true");
        String work = workdir("same").toString();
        assertThat(ccd.run("agent", "start", "same", "--template", "hello", "--script", script.toString(),
                "--workdir", work, "--interval", "1", "--max-tokens", "unlimited", "--max-cost", "unlimited").exitCode())
                .isZero();
        assertThat(ccd.run("agent", "status", "same").out()).contains("budget: max tokens unlimited, max cost unlimited");

        Cli.Result again = ccd.run("agent", "start", "same", "--template", "hello", "--script", script.toString(),
                "--workdir", work);

        assertThat(again.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(again.err()).contains("'same' is already running");
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM agent_runs")).isEqualTo(1);
    }

    @Test
    void templatesAreListedWithTheirDescriptionAndShownWithTheirFrontMatter() {
        startDaemon();

        Cli.Result list = ccd.run("templates", "list");
        Cli.Result show = ccd.run("templates", "show", "autoresearch");

        assertThat(list.out()).contains("autoresearch").contains("built-in").contains("Autonomous experiment loop")
                .contains("research_assistant").contains("auto_coder").contains("auto_bug_fixer");
        assertThat(show.out()).startsWith("---\n").contains("required_args: command, metric, direction, budget, file")
                .contains("results.tsv");
    }

    @Test
    void commandsWithoutADaemonExitWithThree() {
        // (templates need no daemon: CliWithoutDaemonTest)
        for (String[] args : new String[][] {{"status"}, {"stop"}, {"agent", "list"}, {"events"}}) {
            Cli.Result r = ccd.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.NOT_RUNNING);
            assertThat(r.err()).contains("not running").contains("ccd start");
        }
    }

    @Test
    void logsShowIterationsAndTheEndOfTheRun() throws Exception {
        startDaemon();
        Path script = script(
                "{\"text\": \"\", \"tool_calls\": [{\"name\": \"write_file\", \"input\": {\"path\": \"a.txt\", \"content\": \"x\"}}]}",
                "{\"text\": \"wrote a.txt\"}",
                "{\"text\": \"nothing else to do\"}");
        assertThat(ccd.run("agent", "start", "logs", "--template", "hello", "--script", script.toString(),
                "--workdir", workdir("logs").toString()).exitCode()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "completed".equals(Db.scalar(home.resolve("ccd.db"), "SELECT status FROM agent_runs WHERE name = 'logs'")));

        Cli.Result logs = ccd.run("agent", "logs", "logs", "-f");

        assertThat(logs.exitCode()).as(logs.toString()).isZero();
        assertThat(logs.out()).contains("iteration 1 ok").contains("wrote a.txt")
                .contains("iteration 2 ok").contains("nothing else to do")
                .contains("run ended completed (script_exhausted)");
        Cli.Result status = ccd.run("agent", "status", "logs", "--json");
        assertThat(status.out()).contains("\"status\" : \"completed\"").contains("\"last_iteration\" : 2");
    }
}
