package dev.ccd.daemon.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runners start as leaders of their own process group ({@code setsid}), so that a signal to the
 * group reaches every process of the run, including children orphaned when a runner crashed:
 * those are no longer its descendants, but they are still in its group.
 */
final class ProcessGroup {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path KILL = Path.of("/bin/kill");

    private ProcessGroup() {
    }

    /** True when runners can be started in their own group on this machine. */
    static boolean available() {
        return Files.isExecutable(SETSID) && Files.isExecutable(KILL);
    }

    static String setsid() {
        return SETSID.toString();
    }

    /**
     * Sends {@code signal} (e.g. {@code KILL}) to the group {@code pgid}. A group that no longer
     * exists is not an error.
     */
    static void signal(long pgid, String signal) {
        if (!available()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder(KILL.toString(), "-s", signal, "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(2, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // kill(1) missing or not startable: the descendants were signalled already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
