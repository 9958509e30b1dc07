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
        System.exit(run(CcdHome.resolve(homeArg), http, false));
    }

    /** Runs a daemon in this JVM until it shuts down; SIGTERM shuts it down cleanly. */
    public static int run(CcdHome home) {
        return run(home, HttpSettings.OFF, false);
    }

    /**
     * As {@link #run(CcdHome)}, serving the dashboard as {@code http} says; {@code foreground}
     * also logs to stderr, and Ctrl-C shuts down as SIGTERM does. Either signal is a clean
     * shutdown, so the exit code is 0 (not 143), which systemd reads as a stop that went well.
     */
    public static int run(CcdHome home, HttpSettings http, boolean foreground) {
        Daemon daemon;
        try {
            daemon = Daemon.start(home, http, foreground);
        } catch (Daemon.AlreadyRunning e) {
            System.err.println("ccd: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("ccd: the daemon could not start: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(daemon::shutdown, "daemon-sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
        // Handled rather than left to the JVM, whose default ends the process with 128 + 15
        // before the shutdown is over; here it only starts it, and awaitShutdown returns after.
        sun.misc.SignalHandler clean = signal -> new Thread(daemon::shutdown, "daemon-sigterm-handler").start();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), clean);
        if (foreground) {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), clean);
        }
        try {
            daemon.awaitShutdown();
        } catch (InterruptedException e) {
            daemon.shutdown();
        }
        return 0;
    }
}
