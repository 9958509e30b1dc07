package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --sandbox} and {@code --network} through the real CLI and a real daemon process: what is
 * recorded and shown, the warning of an unsandboxed run, and a daemon on a machine where bwrap
 * does not work (a bwrap path that does not exist, probed for real).
 */
class SandboxCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path home;
    Path script;
    Cli ccd;
    Long daemon;

    @BeforeEach
    void setUp() throws Exception {
        home = tmp.resolve("home");
        ccd = new Cli(home);
        script = Files.writeString(tmp.resolve("script.jsonl"), "{\"text\": \"hello\"}\n", StandardCharsets.UTF_8);
    }

    @AfterEach
    void stopDaemon() {
        if (daemon != null) {
            ccd.run("stop");
            Processes.killTree(daemon);
        }
    }

    private Cli.Result startDaemon() {
        Cli.Result start = ccd.run("start");
        assertThat(start.exitCode()).as(start.toString()).isZero();
        daemon = Processes.pidIn(home.resolve("run/ccd.pid")).orElseThrow();
        return start;
    }

    private Cli.Result agentStart(String name, String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("agent", "start", name, "--template", "hello", "--script",
                script.toString(), "--workdir", Files.createDirectories(tmp.resolve("work-" + name)).toString()));
        args.addAll(List.of(options));
        return ccd.run(args.toArray(String[]::new));
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = ccd.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private Map<String, Object> row(String name) {
        return Db.query(home.resolve("ccd.db"), "SELECT id, sandbox, network FROM agent_runs WHERE name = '" + name
                + "'").get(0);
    }

    @Test
    void badOnOffValuesAreUsageErrorsNamingTheOptionAndTheValue() throws Exception {
        Cli.Result sandbox = agentStart("a", "--sandbox", "maybe");
        assertThat(sandbox.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(sandbox.err()).contains("--sandbox maybe: must be on or off");

        Cli.Result network = agentStart("a", "--network", "none");
        assertThat(network.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(network.err()).contains("--network none: must be on or off");

        Cli.Result both = agentStart("a", "--sandbox", "off", "--network", "off");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("--network off needs the sandbox");
    }

    @Test
    void anUnsandboxedRunIsWarnedAboutLoggedRecordedAndShown() throws Exception {
        startDaemon();

        Cli.Result start = agentStart("loose", "--sandbox", "off");

        assertThat(start.exitCode()).as(start.toString()).isZero();
        assertThat(start.err()).contains("ccd: warning: the sandbox is off: this agent's tools run unconfined");
        Map<String, Object> row = row("loose");
        assertThat(row).containsEntry("sandbox", "off").containsEntry("network", "on");
        String runId = (String) row.get("id");
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM daemon_events WHERE kind = 'sandbox_off'"
                + " AND run_id = '" + runId + "'")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(Files.readString(home.resolve("logs/daemon.log"))).containsPattern(
                        "WARN .*" + runId + " - the sandbox is off"));
        assertThat(ok("agent", "status", "loose").out()).contains("  sandbox off (tools run unconfined)");
        assertThat(JSON.readTree(ok("agent", "status", "loose", "--json").out()).path("run").path("sandbox").asText())
                .isEqualTo("off");
        JsonNode list = JSON.readTree(ok("agent", "list", "--all", "--json").out());
        assertThat(list).singleElement().satisfies(r -> assertThat(r.path("sandbox").asText()).isEqualTo("off"));
    }

    @Test
    void sandboxedRunsAreRecordedAndShownWithTheirNetworkAndConfigJsonSetsTheDefault() throws Exception {
        startDaemon();
        assertThat(ok("status").out()).contains("sandbox: available (bwrap)");
        assertThat(JSON.readTree(ok("status", "--json").out()).path("sandbox").path("available").asBoolean()).isTrue();

        Cli.Result plain = agentStart("boxed");
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(plain.err()).doesNotContain("warning");
        assertThat(row("boxed")).containsEntry("sandbox", "on").containsEntry("network", "on");
        assertThat(ok("agent", "status", "boxed").out()).contains("  sandbox on\n");

        assertThat(agentStart("offline", "--network", "off").exitCode()).isZero();
        assertThat(row("offline")).containsEntry("sandbox", "on").containsEntry("network", "off");
        assertThat(ok("agent", "status", "offline").out()).contains("  sandbox on, network off");

        Files.writeString(home.resolve("config.json"), "{\"sandbox\": false}", StandardCharsets.UTF_8);
        Cli.Result configured = agentStart("configured");
        assertThat(configured.exitCode()).as(configured.toString()).isZero();
        assertThat(configured.err()).contains("warning: the sandbox is off");
        assertThat(row("configured")).containsEntry("sandbox", "off");
        assertThat(agentStart("overridden", "--sandbox", "on").exitCode()).isZero();
        assertThat(row("overridden")).containsEntry("sandbox", "on");

        Files.writeString(home.resolve("config.json"), "{\"sandbox_read_only\": [\"models\"]}", StandardCharsets.UTF_8);
        Cli.Result relative = agentStart("relative");
        assertThat(relative.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(relative.err()).contains("config.json: 'sandbox_read_only' holds 'models'; an absolute path is required");
    }

    @Test
    void withoutAWorkingBwrapTheDaemonStartsWithAWarningAndRefusesSandboxedRunsOnly() throws Exception {
        Path missing = tmp.resolve("no-such-bwrap");
        Cli.Result start;
        System.setProperty(SandboxSupport.BWRAP_PROPERTY, missing.toString());
        try {
            start = startDaemon();
        } finally {
            System.clearProperty(SandboxSupport.BWRAP_PROPERTY);
        }
        assertThat(start.out()).contains("ccd daemon started");
        assertThat(start.err()).contains("ccd: warning: agent sandboxes are unavailable: cannot run " + missing)
                .contains("apt-get install bubblewrap").contains("--sandbox off").contains("\"sandbox\": false");
        assertThat(ok("status").out()).contains("sandbox: agent sandboxes are unavailable: cannot run " + missing);
        JsonNode status = JSON.readTree(ok("status", "--json").out()).path("sandbox");
        assertThat(status.path("available").asBoolean()).isFalse();
        assertThat(status.path("problem").asText()).contains("cannot run " + missing);

        Cli.Result refused = agentStart("boxed");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(refused.err()).contains("agent 'boxed' would run its tools in a sandbox")
                .contains("apt-get install bubblewrap").contains("--sandbox off");
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM agent_runs")).isZero();

        Cli.Result loose = agentStart("loose", "--sandbox", "off");
        assertThat(loose.exitCode()).as(loose.toString()).isZero();
        assertThat(row("loose")).containsEntry("sandbox", "off");
    }
}
