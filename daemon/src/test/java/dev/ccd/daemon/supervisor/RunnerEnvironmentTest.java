package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.daemon.store.RunRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real runner JVM, started by a real supervisor from an environment that holds both providers'
 * keys, a token and {@code CCD_HOME}: the runner's own environment, read from /proc, holds only the
 * key its run was given.
 */
class RunnerEnvironmentTest extends SupervisorFixture {

    private static Map<String, String> environ(long pid) throws Exception {
        Map<String, String> environment = new HashMap<>();
        for (String entry : new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8)
                .split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                environment.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return environment;
    }

    private Map<String, String> daemonEnvironment() {
        Map<String, String> base = new HashMap<>(System.getenv());
        base.put("ANTHROPIC_API_KEY", "daemon-anthropic");
        base.put("OPENAI_API_KEY", "daemon-openai");
        base.put("GITHUB_AUTH_TOKEN", "daemon-github");
        base.put("CCD_HOME", home.root().toString());
        base.put("CCD_TEST_PLAIN", "kept");
        return base;
    }

    @Test
    void theRunnerHoldsOnlyItsOwnKeyAndNoCcdHome() throws Exception {
        RunnerLauncher launcher = RunnerLauncher.fromEnvironment();
        launcher.baseEnvironment(daemonEnvironment());
        Supervisor supervisor = new Supervisor(home, store, launcher);
        supervisors.add(supervisor);
        RunSpec base = spec("keyed", RunSpec.RestartPolicy.NEVER, 0);
        RunSpec keyed = new RunSpec(base.name(), base.templateName(), base.templateText(), base.args(), base.workdir(),
                base.config(), base.restart(), base.maxRestarts(), Map.of("ANTHROPIC_API_KEY", "run-anthropic"));

        RunRow run = supervisor.start(keyed);
        Map<String, String> environment = environ(run.pid());

        assertThat(environment).containsEntry("ANTHROPIC_API_KEY", "run-anthropic")
                .doesNotContainKeys("OPENAI_API_KEY", "GITHUB_AUTH_TOKEN", "CCD_HOME")
                .containsEntry("CCD_TEST_PLAIN", "kept")
                .containsEntry("PATH", System.getenv("PATH"));
        if (System.getenv("HOME") != null) {
            assertThat(environment).containsEntry("HOME", System.getenv("HOME"));
        }

        RunRow unkeyed = supervisor.start(spec("unkeyed", RunSpec.RestartPolicy.NEVER, 0));
        assertThat(environ(unkeyed.pid())).doesNotContainKeys("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "CCD_HOME")
                .containsKey("PATH");
        supervisor.stop("keyed", Duration.ofSeconds(5));
        supervisor.stop("unkeyed", Duration.ofSeconds(5));
    }

    @Test
    void credentialsAreTheNamesEndingInApiKeyOrAuthToken() {
        assertThat(dev.ccd.process.Secrets.named("ANTHROPIC_API_KEY")).isTrue();
        assertThat(dev.ccd.process.Secrets.named("MISTRAL_API_KEY")).isTrue();
        assertThat(dev.ccd.process.Secrets.named("ANTHROPIC_AUTH_TOKEN")).isTrue();
        assertThat(dev.ccd.process.Secrets.named("ANTHROPIC_BASE_URL")).isFalse();
        assertThat(dev.ccd.process.Secrets.named("PATH")).isFalse();
        assertThat(RunnerLauncher.runnerEnvironment(Map.of("OPENAI_API_KEY", "x", "LANG", "C.UTF-8"),
                Map.of("OPENAI_BASE_URL", "http://localhost:1")))
                .containsOnly(Map.entry("LANG", "C.UTF-8"), Map.entry("OPENAI_BASE_URL", "http://localhost:1"));
    }
}
