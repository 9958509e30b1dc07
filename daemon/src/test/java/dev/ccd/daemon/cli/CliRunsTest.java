package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.RealDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI's account of runs, through a real daemon and real runners: why each run ended, the
 * checks at start, event ids, iterations and their waits, one token figure, the template
 * defaults of autoresearch, the default provider.
 */
class CliRunsTest extends RealDaemon {
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void daemon() {
        startDaemon();
    }

    private Path script(String... lines) throws IOException {
        return Files.write(tmp.resolve("script-" + System.nanoTime() + ".jsonl"), List.of(lines), StandardCharsets.UTF_8);
    }

    private Path workdir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("work-" + name));
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = ccd.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private Object column(String name, String column) {
        return Db.scalar(home.resolve("ccd.db"), "SELECT " + column + " FROM agent_runs WHERE name = '" + name
                + "' ORDER BY started_at DESC LIMIT 1");
    }

    private void awaitEnded(String name) {
        await().atMost(Duration.ofSeconds(30)).until(() -> column(name, "ended_at") != null);
    }

    private void start(String name, Path script, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("agent", "start", name, "--template", "hello", "--script",
                script.toString(), "--workdir", workdir(name).toString()));
        args.addAll(List.of(more));
        ok(args.toArray(String[]::new));
    }

    @Test
    void whyARunEndedIsRecordedAndShownInStatusAndList() throws Exception {
        start("limited", script("{\"text\": \"one\"}", "{\"text\": \"two\"}", "{\"text\": \"three\"}"),
                "--max-iterations", "2");
        start("exhausted", script("{\"text\": \"one\"}", "{\"text\": \"two\"}"));
        awaitEnded("limited");
        awaitEnded("exhausted");

        assertThat(column("limited", "end_reason")).isEqualTo("max_iterations");
        assertThat(column("exhausted", "end_reason")).isEqualTo("script_exhausted");
        String status = ok("agent", "status", "limited").out();
        assertThat(status.lines().findFirst().orElseThrow()).startsWith("limited: completed (max_iterations) (run ")
                .doesNotContain("pid");
        JsonNode json = JSON.readTree(ok("agent", "status", "exhausted", "--json").out());
        assertThat(json.path("run").path("end_reason").asText()).isEqualTo("script_exhausted");
        assertThat(json.path("run").path("pid").isNull()).as("an ended run has no pid").isTrue();
        assertThat(Db.scalar(home.resolve("ccd.db"), "SELECT pid FROM agent_runs WHERE name = 'exhausted'"))
                .as("the record keeps it").isNotNull();

        String list = ok("agent", "list", "--all").out();
        assertThat(list.lines().findFirst().orElseThrow()).contains("REASON");
        assertThat(list).containsPattern("limited +completed +max_iterations").containsPattern("exhausted +completed +script_exhausted");
        JsonNode listed = JSON.readTree(ok("agent", "list", "--all", "--json").out());
        assertThat(listed.findValuesAsText("end_reason")).containsExactlyInAnyOrder("max_iterations", "script_exhausted");
    }

    @Test
    void aStoppedRunSaysWhoStoppedItOnceAndLosesItsPid() throws Exception {
        start("stoppee", script("{\"text\": \"sleeping\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"sleep 60\"}}]}"),
                "--sandbox", "off");
        assertThat(JSON.readTree(ok("agent", "status", "stoppee", "--json").out()).path("run").path("pid").isNumber())
                .as("a live run shows its pid").isTrue();
        ok("agent", "stop", "stoppee");
        assertThat(column("stoppee", "end_reason")).isEqualTo("stopped");
        String logs = ok("agent", "logs", "stoppee").out();
        assertThat(logs).contains("run ended stopped (stopped by user)\n").contains("iteration 1 stopped (")
                .doesNotContain("stopped: stopped");
        assertThat(ok("agent", "status", "stoppee").out().lines().findFirst().orElseThrow())
                .startsWith("stoppee: stopped (run ").doesNotContain("pid");
    }

    @Test
    void aScriptWithABadLineOrNoTurnsIsRefusedAtStartNamingFileAndLine() throws Exception {
        Path typo = script("{\"text\": \"fine\"}", "{\"txt\": \"oops\"}");
        Cli.Result bad = ccd.run("agent", "start", "typo", "--template", "hello", "--script", typo.toString(),
                "--workdir", workdir("typo").toString());
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains(typo + " line 2").contains("\"txt\"");
        assertThat(column("typo", "end_reason")).isEqualTo("bad_config");

        Path empty = script("// nothing but a comment", "");
        Cli.Result none = ccd.run("agent", "start", "empty", "--template", "hello", "--script", empty.toString(),
                "--workdir", workdir("empty").toString());
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains(empty.toString()).contains("no model turns");
    }

    @Test
    void aTemplateThatIsNotTextIsRefusedByName() throws Exception {
        Path blob = Files.write(tmp.resolve("blob.md"), new byte[] {0x23, 0x20, (byte) 0xc3, 0x28, 0, 0x01});
        Cli.Result r = ccd.run("agent", "start", "blob", "--template", blob.toString(), "--script",
                script("{\"text\": \"x\"}").toString(), "--workdir", workdir("blob").toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains(blob + " is not UTF-8 text").doesNotContain("internal error");
        assertThat(ok("templates", "list").out()).contains("hello");
    }

    @Test
    void eventsShowTheIdsThatSinceTakes() throws Exception {
        start("evented", script("{\"text\": \"one\"}"));
        awaitEnded("evented");
        List<String> lines = ok("events").out().lines().toList();
        assertThat(lines).isNotEmpty().allMatch(l -> l.matches("#\\d+ .*"));
        Matcher first = Pattern.compile("#(\\d+) ").matcher(lines.get(0));
        assertThat(first.lookingAt()).isTrue();
        List<String> after = ok("events", "--since", first.group(1)).out().lines().toList();
        assertThat(after).isEqualTo(lines.subList(1, lines.size()));
        JsonNode json = JSON.readTree(ok("events", "--json").out());
        assertThat(json.get(0).path("id").asLong()).isEqualTo(Long.parseLong(first.group(1)));
    }

    @Test
    void statusShowsTheLastTenIterationsOrAsManyAsAskedWithTheirWaits() throws Exception {
        List<String> turns = new ArrayList<>();
        // iteration 1 waits for its background task (2 s) before iteration 2 begins
        turns.add("{\"text\": \"start a task\", \"tool_calls\": [{\"name\": \"background_run\", \"input\": {\"command\": \"sleep 2\"}}]}");
        turns.add("{\"text\": \"task started\"}");
        for (int i = 2; i <= 12; i++) {
            turns.add("{\"text\": \"turn " + i + "\"}");
        }
        start("many", script(turns.toArray(String[]::new)), "--sandbox", "off");
        awaitEnded("many");

        List<String> shown = ok("agent", "status", "many").out().lines().filter(l -> l.startsWith("  #")).toList();
        assertThat(shown).hasSize(10);
        assertThat(shown.get(0)).startsWith("  #3 ok");
        List<String> all = ok("agent", "status", "many", "-n", "20").out().lines().filter(l -> l.startsWith("  #")).toList();
        assertThat(all).hasSize(12);
        assertThat(all.get(0)).startsWith("  #1 ok").contains("waiting");

        JsonNode iterations = JSON.readTree(ok("agent", "status", "many", "-n", "20", "--json").out()).path("iterations");
        double wait = iterations.get(0).path("wait_s").asDouble();
        assertThat(wait).as("the wait for the task, not in duration_s").isGreaterThanOrEqualTo(1.5);
        assertThat(iterations.get(0).path("duration_s").asDouble()).isLessThan(wait);
        assertThat(ccd.run("agent", "status", "many", "-n", "0").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aPauseStatusListLogsAndResumeAllShowTheTokensTheBudgetCounts() throws Exception {
        // every turn calls a tool, so the pause comes in the middle of an iteration
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            turns.add("{\"text\": \"step " + i + " " + "padding ".repeat(20)
                    + "\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"true\"}}]}");
        }
        start("spender", script(turns.toArray(String[]::new)), "--max-tokens", "3000", "--max-cost", "unlimited",
                "--sandbox", "off");
        await().atMost(Duration.ofSeconds(30)).until(() -> "paused_budget".equals(column("spender", "status")));

        JsonNode paused = null;
        for (JsonNode e : JSON.readTree(ok("agent", "logs", "spender", "--json").out()).path("events")) {
            if (e.path("kind").asText().equals("paused_budget")) {
                paused = e.path("payload").path("used");
            }
        }
        assertThat(paused).isNotNull();
        long used = paused.path("tokens_in").asLong() + paused.path("tokens_out").asLong();
        assertThat(used).isGreaterThanOrEqualTo(3000);
        assertThat(ok("agent", "logs", "spender").out()).contains("used " + used + " tokens");
        assertThat(ok("agent", "status", "spender").out()).contains(used + " tokens (");
        assertThat(ok("agent", "list").out()).containsPattern("spender +paused_budget +- +\\S+ +hello +\\d+ +" + used + " ");
        Cli.Result refused = ccd.run("agent", "resume", "spender", "--max-tokens", "100");
        assertThat(refused.err()).contains(String.valueOf(used));

        // after the resume, the iteration's end adds only what it used after the pause
        ok("agent", "resume", "spender", "--max-tokens", String.valueOf(used + 3000));
        await().atMost(Duration.ofSeconds(30)).until(() -> "paused_budget".equals(column("spender", "status"))
                && ((Number) column("spender", "tokens_in")).longValue() + ((Number) column("spender", "tokens_out")).longValue() > used);
        long total = ((Number) column("spender", "tokens_in")).longValue() + ((Number) column("spender", "tokens_out")).longValue();
        long sum = Db.count(home.resolve("ccd.db"), "SELECT sum(tokens_in + tokens_out) FROM agent_iterations"
                + " WHERE run_id = (SELECT id FROM agent_runs WHERE name = 'spender')");
        assertThat(sum).as("the run's total is the sum of its iterations").isEqualTo(total);
        assertThat(total).isLessThan(used + 3000 + 2000);
    }

    @Test
    void autoresearchTakesTheConventionsOfAnAutoresearchCheckoutAndSaysWhatIsMissingElsewhere() throws Exception {
        Path checkout = workdir("checkout");
        for (String file : List.of("train.py", "prepare.py", "program.md")) {
            Files.writeString(checkout.resolve(file), "# " + file + "\n");
        }
        Path turn = script("{\"text\": \"looking\"}");
        Cli.Result started = ok("agent", "start", "research", "--template", "autoresearch", "--script", turn.toString(),
                "--workdir", checkout.toString());
        String defaults = "command='uv run train.py' metric=val_bpb direction=lower budget=600 file=train.py";
        assertThat(started.out()).contains("args " + defaults);
        assertThat(column("research", "args")).isEqualTo(defaults);

        // given args win; only the missing ones are filled in
        ok("agent", "start", "research2", "--template", "autoresearch", "--script", turn.toString(),
                "--workdir", checkout.toString(), "--args", "budget=60");
        assertThat(column("research2", "args")).isEqualTo("budget=60 command='uv run train.py' metric=val_bpb"
                + " direction=lower file=train.py");

        Path elsewhere = workdir("elsewhere");
        Files.writeString(elsewhere.resolve("train.py"), "");
        Cli.Result refused = ccd.run("agent", "start", "research3", "--template", "autoresearch", "--script",
                turn.toString(), "--workdir", elsewhere.toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("lacks command, metric, direction, budget, file")
                .contains("--args \"" + defaults + "\"").contains(elsewhere + " has no prepare.py, program.md")
                .contains("--workdir DIR");
    }

    @Test
    void withNoProviderNoScriptAndNoKeyTheErrorSaysHowToChooseOne() throws Exception {
        // (this test's environment has no ANTHROPIC_API_KEY nor OPENAI_API_KEY, as CI's has not)
        Cli.Result r = ccd.run("agent", "start", "nothing", "--template", "hello", "--workdir", workdir("nothing").toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("ANTHROPIC_API_KEY").contains("OPENAI_API_KEY").contains("--provider")
                .contains("--script FILE").contains("config.json");
    }

    @Test
    void anAskRunThatAsksAtOnceIsReportedAsWaitingForPermission() throws Exception {
        Path asks = script("{\"text\": \"writing\", \"tool_calls\": [{\"name\": \"write_file\", \"input\":"
                + " {\"path\": \"a.txt\", \"content\": \"x\"}}]}", "{\"text\": \"done\"}");
        Cli.Result started = ok("agent", "start", "asker", "--template", "hello", "--script", asks.toString(),
                "--workdir", workdir("asker").toString(), "--ask");
        assertThat(started.out()).contains("status waiting_permission");
        assertThat(column("asker", "status")).isEqualTo("waiting_permission");
    }

    @Test
    void cacheLifetimeAndStreamingAreChosenPerRunAndBadWordsAreRefusedAsTyped() throws Exception {
        start("cached", script("{\"text\": \"one\"}"), "--cache-ttl", "1h", "--stream", "off");
        awaitEnded("cached");
        JsonNode spec = JSON.readTree(home.resolve("runs").resolve((String) column("cached", "id")).resolve("spec.json").toFile());
        JsonNode provider = spec.path("config").path("provider_options");
        assertThat(provider.path("cache_ttl").asText()).as(spec.toString()).isEqualTo("1h");
        assertThat(provider.path("stream").asBoolean(true)).as(spec.toString()).isFalse();

        Cli.Result ttl = ccd.run("agent", "start", "x", "--template", "hello", "--script", "s.jsonl", "--cache-ttl", "2h");
        assertThat(ttl.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(ttl.err()).contains("--cache-ttl 2h: must be 5m, 1h or off");
        Cli.Result stream = ccd.run("agent", "start", "x", "--template", "hello", "--script", "s.jsonl", "--stream", "yes");
        assertThat(stream.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(stream.err()).contains("--stream yes: must be on or off");
    }
}
