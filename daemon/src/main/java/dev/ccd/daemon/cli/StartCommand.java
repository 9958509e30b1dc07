package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.process.Command;
import dev.ccd.process.LocalLauncher;
import dev.ccd.process.ManagedProcess;
import dev.ccd.daemon.DaemonMain;
import dev.ccd.daemon.PidFile;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.control.ControlClient;
import dev.ccd.daemon.http.HttpSettings;
import dev.ccd.daemon.supervisor.RunnerLauncher;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * {@code ccd start}: starts the daemon detached (its own session, stdio away from the terminal)
 * and returns once its socket answers; {@code --foreground} runs it in this process, for systemd.
 */
@CommandLine.Command(name = "start", description = "Start the daemon; returns when it answers.")
final class StartCommand extends BaseCommand {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    @CommandLine.Option(names = "--foreground", description = "stay attached (for systemd): logs go to stderr and logs/daemon.log; SIGTERM stops it, exit 0")
    boolean foreground;

    @CommandLine.Option(names = "--http", paramLabel = "PORT",
            description = "serve the web dashboard and /metrics on this port (0: any free port); see 'ccd dashboard'")
    String httpPort;

    @CommandLine.Option(names = "--http-bind", paramLabel = "ADDR", description = "the dashboard's address (default 127.0.0.1)")
    String httpBind;

    @CommandLine.Option(names = "--metrics-open", description = "/metrics answers without the dashboard's token")
    boolean metricsOpen;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CcdHome home = home();
        Optional<Long> running = PidFile.alive(home.pidFile());
        if (running.isPresent() && running.get() != ProcessHandle.current().pid()) {
            throw new CliException(ExitCodes.FAILED, "a ccd daemon is already running for " + home.root()
                    + " (pid " + running.get() + ")");
        }
        HttpSettings http = httpSettings();
        if (foreground) {
            return DaemonMain.run(home, http, true) == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
        home.ensureLayout();
        Path console = home.logs().resolve("daemon.out");
        // In a session of its own: the daemon outlives this CLI and the terminal it was typed in.
        ManagedProcess daemon = LocalLauncher.instance().start(Command.of(daemonCommand(home, http), home.root())
                .withStdin(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .withStdout(ProcessBuilder.Redirect.to(console.toFile()))
                .mergingStderr());
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        boolean dots = interactive();
        if (dots) {
            err().print("starting ccd daemon");
            err().flush();
        }
        while (System.nanoTime() < deadline) {
            Optional<JsonNode> status = tryStatus(home);
            if (status.isPresent()) {
                if (dots) {
                    err().println();
                }
                out().printf("ccd daemon started (pid %d), home %s%n", status.get().path("pid").asLong(), home.root());
                DashboardCommand.announce(home, out(), err());
                JsonNode sandbox = status.get().path("sandbox");
                if (!sandbox.path("available").asBoolean(true)) {
                    // started all the same: unsandboxed runs still work, and the operator learns why the others fail
                    err().println("ccd: warning: " + sandbox.path("message").asText());
                }
                return ExitCodes.OK;
            }
            if (!daemon.isAlive()) {
                if (dots) {
                    err().println();
                }
                String output = Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8).strip() : "";
                throw new CliException(ExitCodes.FAILED, "the daemon exited with code " + daemon.exitCode()
                        + (output.isEmpty() ? "" : ": " + output.replaceFirst("^ccd: ", "")));
            }
            if (dots) {
                err().print(".");
                err().flush();
            }
            daemon.awaitExit(Duration.ofMillis(50));
        }
        daemon.kill();
        throw new CliException(ExitCodes.FAILED, "the daemon did not answer within " + READY_TIMEOUT.toSeconds()
                + " s; see " + console + " and " + home.logs().resolve("daemon.log"));
    }

    private static Optional<JsonNode> tryStatus(CcdHome home) {
        try (ControlClient client = ControlClient.connect(home.socket())) {
            return Optional.of(client.call("daemon.status", null));
        } catch (IOException | ControlClient.RpcError e) {
            return Optional.empty();
        }
    }

    private HttpSettings httpSettings() {
        if (httpPort == null) {
            if (httpBind != null) {
                throw new CliException(ExitCodes.USAGE, "--http-bind needs --http PORT");
            }
            return new HttpSettings(null, null, metricsOpen);
        }
        int port;
        try {
            port = Integer.parseInt(httpPort.strip());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new CliException(ExitCodes.USAGE, "--http " + httpPort + ": must be a port number, 0 to 65535"
                    + " (0: any free port)");
        }
        if (httpBind != null && httpBind.isBlank()) {
            throw new CliException(ExitCodes.USAGE, "--http-bind is empty; expected an address such as 127.0.0.1");
        }
        return new HttpSettings(port, httpBind, metricsOpen);
    }

    private static List<String> daemonCommand(CcdHome home, HttpSettings http) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx256m");
        command.add("-Xshare:auto");
        String runnerDir = System.getProperty(RunnerLauncher.RUNNER_DIR_PROPERTY);
        if (runnerDir != null) {
            command.add("-D" + RunnerLauncher.RUNNER_DIR_PROPERTY + "=" + runnerDir);
        }
        String bwrap = System.getProperty(SandboxSupport.BWRAP_PROPERTY);
        if (bwrap != null) {
            command.add("-D" + SandboxSupport.BWRAP_PROPERTY + "=" + bwrap);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DaemonMain.class.getName());
        command.add("--home");
        command.add(home.root().toString());
        command.addAll(http.arguments());
        return command;
    }
}
