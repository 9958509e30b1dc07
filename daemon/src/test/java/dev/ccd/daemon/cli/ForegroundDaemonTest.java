package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.supervisor.RunnerLauncher;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ccd start --foreground} as systemd runs it: its own process, its log on stderr, SIGTERM a clean stop. */
class ForegroundDaemonTest {
    @TempDir
    Path tmp;

    @Test
    void theForegroundDaemonLogsToStderrAndExitsZeroOnSigterm() throws Exception {
        Path home = tmp.resolve("home");
        Path stderr = tmp.resolve("stderr.txt");
        Process daemon = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-D" + RunnerLauncher.RUNNER_DIR_PROPERTY + "=" + System.getProperty(RunnerLauncher.RUNNER_DIR_PROPERTY),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "start", "--foreground", "--home", home.toString()))
                .redirectErrorStream(false)
                .redirectError(stderr.toFile())
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .start();
        try {
            Cli ccd = new Cli(home);
            await().atMost(Duration.ofSeconds(30)).until(() -> ccd.run("status").exitCode() == 0);
            assertThat(Files.readString(stderr)).contains("daemon started: pid " + daemon.pid());

            daemon.destroy(); // SIGTERM
            assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.exitValue()).as(Files.readString(stderr)).isZero();
            assertThat(Files.readString(stderr)).contains("daemon stopped");
            assertThat(ccd.run("status").exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
        } finally {
            Processes.killTree(daemon.pid());
        }
    }
}
