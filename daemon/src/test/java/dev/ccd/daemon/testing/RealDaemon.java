package dev.ccd.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A home in a temporary directory, the CLI pointed at it, and every daemon started there ended with the test. */
public abstract class RealDaemon {
    @TempDir
    protected Path tmp;
    protected Path home;
    protected Cli ccd;
    private final List<Long> daemonPids = new ArrayList<>();

    @BeforeEach
    void newHome() {
        home = tmp.resolve("home");
        ccd = new Cli(home);
    }

    @AfterEach
    void stopEverything() {
        ccd.run("stop");
        daemonPids.forEach(Processes::killTree);
    }

    /** {@code ccd start} with these options, which must succeed; the daemon's pid. */
    protected long startDaemon(String... options) {
        List<String> args = new ArrayList<>(List.of("start"));
        args.addAll(List.of(options));
        Cli.Result start = ccd.run(args.toArray(String[]::new));
        assertThat(start.exitCode()).as(start.toString()).isZero();
        long pid = Processes.pidIn(home.resolve("run/ccd.pid")).orElseThrow();
        daemonPids.add(pid);
        return pid;
    }
}
