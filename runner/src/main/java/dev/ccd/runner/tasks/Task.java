package dev.ccd.runner.tasks;

import static dev.ccd.protocol.TaskStatus.COMPLETED;
import static dev.ccd.protocol.TaskStatus.FAILED;
import static dev.ccd.protocol.TaskStatus.RUNNING;
import static dev.ccd.protocol.TaskStatus.STOPPED;
import static dev.ccd.protocol.TaskStatus.TIMEOUT;

import dev.ccd.process.Command;
import dev.ccd.process.Launcher;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.TaskStatus;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One background task: a {@code bash -c} process, the pump copying its output, and the watcher
 * that ends it.
 *
 * <p>Threads: the watcher thread ({@code task-t1}) waits for the process, kills the tree at the
 * timeout, and ends the task; the pump thread ({@code task-t1-output}) owns the log file. Any
 * thread may take a {@link #snapshot}, {@link #requestEnd} and wait in {@link #awaitEnd}. The
 * fields below the latch are guarded by {@code this}.
 *
 * <p>Invariants: {@code status} leaves {@code running} exactly once, in {@link #end}, on the
 * watcher thread, so the task's notice is queued exactly once. {@code endRequest} is set at most
 * once, only while the process is alive, and then decides the final status over the exit code: a
 * task we killed is {@code timeout} or {@code stopped} whatever it exited with (a shell trapping
 * SIGTERM may well exit 0). The notice is queued under the same lock that changes the status, and
 * before {@code ended} opens, so a thread that sees the task ended in any way also finds its
 * notice pending or already drained. Lock order: task, then {@link Notices}.
 */
final class Task {
    private static final Logger LOG = LoggerFactory.getLogger(Task.class);
    /** Time for the pump to reach the end of output once the process has exited. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(1);
    /** Time a timed-out tree gets between SIGTERM and SIGKILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(2);
    /** How long a kill waits for the signalled processes to disappear before it reports survivors. */
    static final Duration CONFIRM_WAIT = Duration.ofSeconds(5);

    private final String id;
    private final String command;
    private final Duration timeout;
    private final Instant startedAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private final Path logFile;
    private final ManagedProcess process;
    private final OutputPump pump;
    private final int tailLines;
    private final Notices notices;
    private final TaskListener listener;
    private final CountDownLatch ended = new CountDownLatch(1);
    private TaskStatus status = RUNNING;
    private Integer exitCode;
    private long endNanos;
    private TaskStatus endRequest;

    private Task(String id, String command, Duration timeout, Path log, ManagedProcess process, OutputStream logOut,
            TaskSettings settings, Notices notices, TaskListener listener) {
        this.id = id;
        this.command = command;
        this.timeout = timeout;
        this.logFile = log;
        this.process = process;
        this.pump = new OutputPump(id, process.stdout(), logOut, settings.outputCapBytes());
        this.tailLines = settings.tailLines();
        this.notices = notices;
        this.listener = listener;
    }

    /** Creates the log and starts the process; nothing reads its output until {@link #begin}. */
    static Task launch(Launcher launcher, String id, String command, Duration timeout, Path workdir, Path log,
            TaskSettings settings, Notices notices, TaskListener listener) throws IOException {
        OutputStream logOut = Files.newOutputStream(log);
        try {
            // In the runner's group: should the runner die, the daemon's kill of that group ends it too.
            ManagedProcess process = launcher.start(Command.of(List.of("bash", "-c", command), workdir)
                    .withStdin(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .mergingStderr()
                    .inCallersGroup());
            return new Task(id, command, timeout, log, process, logOut, settings, notices, listener);
        } catch (IOException | RuntimeException e) {
            logOut.close();
            throw e;
        }
    }

    /** Starts the pump and the watcher. */
    void begin() {
        Thread pumpThread = daemon(pump, "task-" + id + "-output");
        pumpThread.start();
        daemon(() -> watch(pumpThread), "task-" + id).start();
    }

    private void watch(Thread pumpThread) {
        try {
            if (!process.awaitExit(timeout) && requestEnd(TIMEOUT)) {
                LOG.info("task {} - timed out after {}; killing its process tree", id, timeout);
                terminate(KILL_GRACE);
                List<Long> survivors = awaitGone(KILL_GRACE.plus(CONFIRM_WAIT));
                if (!survivors.isEmpty()) {
                    LOG.warn("task {} - processes {} survived the timeout kill", id, survivors);
                }
                process.awaitExit(CONFIRM_WAIT);
            } else {
                process.onExit().join();
            }
            pumpThread.join(DRAIN_GRACE.toMillis());
            if (pumpThread.isAlive()) {
                LOG.info("task {} - its shell exited, but processes it left in the background still hold "
                        + "its output; their output keeps going to its log", id);
            }
        } catch (InterruptedException e) {
            // Nobody interrupts a watcher; should something, the task must still end, and not leak.
            requestEnd(STOPPED);
            process.kill();
        }
        end();
    }

    /**
     * Marks the task as ended by us ({@code timeout} or {@code stopped}; the first mark wins).
     *
     * @return true when its process is still alive and must be killed; false when it has ended
     *         (or is ending) by itself
     */
    synchronized boolean requestEnd(TaskStatus why) {
        if (!status.equals(RUNNING) || !process.isAlive()) {
            return false;
        }
        if (endRequest == null) {
            endRequest = why;
        }
        return true;
    }

    private void end() {
        TaskSnapshot last;
        synchronized (this) {
            endNanos = System.nanoTime();
            if (endRequest != null || process.isAlive()) {
                status = endRequest == null ? STOPPED : endRequest;
            } else {
                exitCode = process.exitCode();
                status = exitCode == 0 ? COMPLETED : FAILED;
            }
            last = snapshot();
            // Inside the lock: whoever sees the task ended (running(), snapshot()) finds its notice.
            notices.add(last);
        }
        LOG.info("task {} - {} after {}", id, last.status(), last.duration());
        // Told before the waiters are released: a runner that exits once its tasks have ended has
        // sent every task_done by then.
        try {
            listener.finished(last);
        } catch (RuntimeException e) {
            LOG.warn("task {} - the listener failed on its end", id, e);
        }
        ended.countDown();
    }

    synchronized TaskSnapshot snapshot() {
        long now = status.equals(RUNNING) ? System.nanoTime() : endNanos;
        return new TaskSnapshot(id, command, status, exitCode, startedAt, Duration.ofNanos(now - startNanos),
                logFile, pump.tail().lastLines(tailLines));
    }

    synchronized boolean running() {
        return status.equals(RUNNING);
    }

    /** Waits until the task has ended (and its notice is queued) or {@code max} has passed. */
    boolean awaitEnd(Duration max) throws InterruptedException {
        return ended.await(Notices.nanos(max), TimeUnit.NANOSECONDS);
    }

    String id() {
        return id;
    }

    /**
     * Stops the task's tree by the process layer's contract: SIGTERM now, SIGKILL after {@code
     * grace}; SIGKILL at once when grace is zero. Does not wait.
     */
    void terminate(Duration grace) {
        if (grace.isZero()) {
            process.kill();
        } else {
            process.stop(null, Duration.ZERO, grace);
        }
    }

    /** SIGKILL now to the tree and to whatever it has started since. */
    void killNow() {
        process.kill();
    }

    /** Waits up to {@code max} for every process seen of the tree to be gone; the pids still alive. */
    List<Long> awaitGone(Duration max) throws InterruptedException {
        return process.survivors(max);
    }

    int processesSeen() {
        return process.processesSeen();
    }

    Path log() {
        return logFile;
    }

    boolean outputTruncated() {
        return pump.truncated();
    }

    String tail(int lines) {
        return pump.tail().lastLines(lines);
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
