package dev.ccd.daemon;

import dev.ccd.process.Command;
import dev.ccd.process.LocalLauncher;
import dev.ccd.process.ManagedProcess;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether bubblewrap sandboxes work on this machine, as a tiny probe found at the daemon's start:
 * {@code bwrap --ro-bind / / --unshare-pid --die-with-parent --new-session true}. Without it every
 * sandboxed tool call of a run would fail, so a sandboxed start is refused up front instead.
 *
 * <p>The program is {@code bwrap} from {@code PATH}, or the system property {@value #BWRAP_PROPERTY}
 * (which {@code ccd start} passes on to the daemon): tests point it at a missing file to get the
 * unavailable case for real.
 *
 * @param available the probe ran and exited 0
 * @param bwrap     the program probed
 * @param problem   what failed, in a sentence; null when available
 */
public record SandboxSupport(boolean available, String bwrap, String problem) {
    public static final String BWRAP_PROPERTY = "ccd.bwrap";
    /** bwrap itself takes ~3 ms; far longer is a machine in trouble, not a slow sandbox. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    /** What to do about it, said wherever the problem is. */
    public static final String FIX = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap), or run"
            + " agents unsandboxed with --sandbox off (config.json: \"sandbox\": false)";

    /** The program to probe: the system property, else {@code bwrap} on PATH. */
    public static String configuredBwrap() {
        String bwrap = System.getProperty(BWRAP_PROPERTY);
        return bwrap == null || bwrap.isBlank() ? "bwrap" : bwrap;
    }

    /** Starts the probe; the answer comes once bwrap has exited (or the timeout passed). */
    public static CompletableFuture<SandboxSupport> probe(String bwrap) {
        ManagedProcess process;
        try {
            process = LocalLauncher.instance().start(Command.of(List.of(bwrap, "--ro-bind", "/", "/", "--unshare-pid",
                    "--die-with-parent", "--new-session", "true"), Path.of("/"))
                    .withStdin(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .mergingStderr()
                    .inCallersGroup());
        } catch (IOException e) {
            return CompletableFuture.completedFuture(new SandboxSupport(false, bwrap, "cannot run " + bwrap + ": "
                    + reason(e)));
        }
        return process.onExit()
                .orTimeout(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((exited, failure) -> {
                    if (failure != null) {
                        process.kill();
                        return new SandboxSupport(false, bwrap, bwrap + " did not finish a trivial sandbox within "
                                + PROBE_TIMEOUT.toSeconds() + " s" + (failure instanceof TimeoutException ? ""
                                : ": " + failure));
                    }
                    if (exited.exitValue() == 0) {
                        return new SandboxSupport(true, bwrap, null);
                    }
                    return new SandboxSupport(false, bwrap, bwrap + " could not make a sandbox (exit "
                            + exited.exitValue() + ")" + firstLine(exited.getInputStream()));
                });
    }

    /** Probes and waits for the answer. */
    public static SandboxSupport probeNow(String bwrap) {
        return probe(bwrap).join();
    }

    /** The warning {@code ccd start} prints and the refusal of a sandboxed start: the problem and the fix. */
    public String message() {
        return available ? "sandboxes work (" + bwrap + ")"
                : "agent sandboxes are unavailable: " + problem + "; " + FIX;
    }

    private static String reason(IOException e) {
        // "Cannot run program "x": error=2, No such file or directory" → the last part
        String message = String.valueOf(e.getMessage());
        int comma = message.lastIndexOf(", ");
        return comma >= 0 ? message.substring(comma + 2) : message;
    }

    /** bwrap says why on stderr, e.g. "bwrap: No permissions to create new namespace". */
    private static String firstLine(InputStream output) {
        try (output) {
            String text = new String(output.readNBytes(4096), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : ": " + text.lines().findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }
}
