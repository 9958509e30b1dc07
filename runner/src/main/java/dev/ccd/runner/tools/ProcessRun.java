package dev.ccd.runner.tools;

import dev.ccd.process.Command;
import dev.ccd.process.Launcher;
import dev.ccd.process.ManagedProcess;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one command to its end, its timeout, or the run's stop, and never leaves its process tree
 * behind on the last two.
 *
 * <p>Threads: the calling thread owns the process: it waits, and stops the tree. A reader
 * thread ({@code tool-output-PID}) drains stdout+stderr into a {@link HeadTailBuffer} and nothing
 * else; it must run apart from the waiting, or a command filling the pipe would block forever.
 *
 * <p>Processes the command puts in the background outlive it when it exits normally (that is what
 * {@code &} asks for), and may hold its output pipe open. The call then returns after a short
 * grace instead of waiting for them, and the outcome says so.
 */
final class ProcessRun {
    /** Time for the reader to reach end of output once the process tree is gone. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(1);
    /** Time a timed-out tree gets between SIGTERM and SIGKILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(1);

    /**
     * @param exitCode       the exit status, empty when the command timed out
     * @param treeGone       false only when a timed-out tree did not die when killed
     * @param outputLeftOpen the command exited but processes it started still hold its output
     * @param output         stdout and stderr interleaved, truncated with a notice if long
     */
    record Outcome(OptionalInt exitCode, boolean treeGone, boolean outputLeftOpen, String output) {
        boolean timedOut() {
            return exitCode.isEmpty();
        }
    }

    private ProcessRun() {
    }

    /**
     * Runs {@code command} in {@code workdir}, stdin from {@code /dev/null}.
     *
     * @throws IOException          the process could not be started
     * @throws InterruptedException the calling thread was interrupted; the tree was SIGKILLed first
     */
    static Outcome run(Launcher launcher, List<String> command, Path workdir, Duration timeout, int maxOutputChars)
            throws IOException, InterruptedException {
        // In the runner's group: should the runner die, the daemon's kill of that group ends it too.
        ManagedProcess process = launcher.start(Command.of(command, workdir)
                .withStdin(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .mergingStderr()
                .inCallersGroup());
        HeadTailBuffer output = HeadTailBuffer.forLimit(maxOutputChars);
        Thread reader = new Thread(() -> drain(process.stdout(), output), "tool-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();

        boolean exited;
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            exited = true;
        } catch (TimeoutException e) {
            exited = false;
        } catch (ExecutionException e) {
            throw new IOException("waiting for the command failed", e.getCause());
        } catch (InterruptedException e) {
            process.kill();
            throw e;
        }
        boolean treeGone = true;
        if (!exited) {
            treeGone = stopTimedOut(process);
        }
        reader.join(DRAIN_GRACE.toMillis());
        OptionalInt exitCode = exited ? OptionalInt.of(process.exitCode()) : OptionalInt.empty();
        return new Outcome(exitCode, treeGone, exited && reader.isAlive(), output.render());
    }

    /** SIGTERM now, SIGKILL after {@link #KILL_GRACE}; an interrupt meanwhile skips the grace. */
    private static boolean stopTimedOut(ManagedProcess process) throws InterruptedException {
        try {
            process.stop(null, Duration.ZERO, KILL_GRACE).get(KILL_GRACE.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            process.kill();
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            process.kill();
        }
        return process.survivors(Duration.ofSeconds(1)).isEmpty();
    }

    private static void drain(InputStream in, HeadTailBuffer into) {
        char[] buf = new char[8192];
        try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            int n;
            while ((n = reader.read(buf)) >= 0) {
                into.append(buf, 0, n);
            }
        } catch (IOException e) {
            // The stream was closed under us: the process is gone, and so is the rest of its output.
        }
    }
}
