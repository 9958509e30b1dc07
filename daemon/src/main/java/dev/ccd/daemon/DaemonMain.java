package dev.ccd.daemon;

import dev.ccd.daemon.http.HttpSettings;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The detached daemon process started by {@code ccd start}: {@code DaemonMain --home DIR [--http PORT
 * --http-bind ADDR] [--metrics-open]}.
 * Exit codes: 0 after a clean shutdown, 1 when it could not start (the reason is on stderr,
 * which {@code ccd start} shows).
 */
public final class DaemonMain {
    private DaemonMain() {
    }

    public static void main(String[] args) {
        Path homeArg = args.length >= 2 && args[0].equals("--home") ? Path.of(args[1]) : null;
        HttpSettings http = HttpSettings.parse(Arrays.asList(args).subList(homeArg == null ? 0 : 2, args.length));
        System.exit(run(CcdHome.resolve(homeArg), http));
    }

    /** Runs a daemon in this JVM until it shuts down; SIGTERM shuts it down cleanly. */
    public static int run(CcdHome home) {
        return run(home, HttpSettings.OFF);
    }

    /** As {@link #run(CcdHome)}, serving the dashboard as {@code http} says. */
    public static int run(CcdHome home, HttpSettings http) {
        Daemon daemon;
        try {
            daemon = Daemon.start(home, http);
        } catch (Daemon.AlreadyRunning e) {
            System.err.println("ccd: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("ccd: the daemon could not start: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(daemon::shutdown, "daemon-sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            daemon.awaitShutdown();
        } catch (InterruptedException e) {
            daemon.shutdown();
        }
        return 0;
    }
}
