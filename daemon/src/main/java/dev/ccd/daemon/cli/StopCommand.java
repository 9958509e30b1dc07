package dev.ccd.daemon.cli;

import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.PidFile;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** {@code ccd stop}: stops every runner (each with its stop ladder), then the daemon. */
@CommandLine.Command(name = "stop", description = "Stop all runners (bounded), then the daemon.")
final class StopCommand extends BaseCommand {
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);

    @Override
    public Integer call() throws InterruptedException {
        CcdHome home = home();
        Optional<Long> pid = PidFile.alive(home.pidFile());
        Progress progress = progress("stopping every run, then the daemon");
        try {
            call("daemon.shutdown", null);
            if (pid.isPresent()) {
                Optional<ProcessHandle> process = ProcessHandle.of(pid.get());
                if (process.isPresent()) {
                    try {
                        process.get().onExit().get(EXIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        throw new CliException(ExitCodes.FAILED, "the daemon (pid " + pid.get() + ") did not exit within "
                                + EXIT_TIMEOUT.toSeconds() + " s");
                    }
                }
            }
        } finally {
            progress.close();
        }
        out().println("ccd daemon stopped");
        return ExitCodes.OK;
    }
}
