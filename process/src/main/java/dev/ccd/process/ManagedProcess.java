package dev.ccd.process;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A started process and everything it starts, with the one way ccd stops processes.
 *
 * <p><b>The stop contract</b> ({@link #stop}), for runners, background tasks and tool calls alike:
 * <ol>
 *   <li>the caller's <em>request</em> runs at once (a runner: the {@code stop} message and its
 *       stdin closed; a tool: nothing), and the processes of the tree are noted;</li>
 *   <li>a <em>grace</em> period: a process that exits by itself within {@code termAfter} is never
 *       signalled;</li>
 *   <li>at {@code termAfter}, if the root is still alive: SIGTERM to every process seen in its tree
 *       and, when it leads its own group, to every member of the group;</li>
 *   <li>at {@code killAfter}, if the root is still alive: SIGKILL likewise, to what has been seen
 *       and to what was started since.</li>
 * </ol>
 * Every step is idempotent and the first call wins: a second {@code stop} (a user's racing the
 * daemon's shutdown) returns the same future and starts no second ladder. {@link #kill} jumps to
 * the last step at once. After the root has exited, {@link #kill} also ends what it left behind
 * in its tree and group, which is how an owner cleans up after a crash.
 *
 * <p>What is signalled and how is the {@link ProcessSignals} the launcher chose (a local tree and
 * group, with a guard against pid reuse: see {@link TreeAndGroup}); the timing is decided here alone.
 *
 * <p>Threads: any thread may call anything. The ladder's steps run on one shared timer thread
 * ({@code ccd-stop-ladder}); the stop future completes on the JDK's process-exit thread.
 */
public final class ManagedProcess {
    /** How far a stop had to go; monotonic. */
    public enum Escalation { NONE, REQUESTED, TERMINATED, KILLED }

    private static final ScheduledExecutorService LADDER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "ccd-stop-ladder");
        thread.setDaemon(true);
        return thread;
    });

    private final Process process;
    private final ProcessSignals signals;
    /** Guarded by {@code this}: created by the first stop. */
    private CompletableFuture<Escalation> stopping;
    /** Raised by stop callers, kill callers and the ladder's timer; read by whoever records the end. */
    private volatile Escalation escalation = Escalation.NONE;

    public ManagedProcess(Process process, ProcessSignals signals) {
        this.process = process;
        this.signals = signals;
    }

    public long pid() {
        return process.pid();
    }

    /** The scheduler's job when a cluster launcher started it; empty for a process of this machine. */
    public Optional<ClusterJob> job() {
        return signals instanceof ClusterJob job ? Optional.of(job) : Optional.empty();
    }

    Process process() {
        return process;
    }

    ProcessSignals signals() {
        return signals;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /**
     * Waits up to {@code max} for the root to exit.
     *
     * @return true when it has
     */
    public boolean awaitExit(Duration max) throws InterruptedException {
        return process.waitFor(max.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The exit status; only once the process has exited. */
    public int exitCode() {
        return process.exitValue();
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    public InputStream stderr() {
        return process.getErrorStream();
    }

    /** How far a stop or kill has gone; {@link Escalation#NONE} for a process nobody stopped. */
    public Escalation escalation() {
        return escalation;
    }

    /**
     * Stops the process by the contract in the class header.
     *
     * @param request   runs at once on the calling thread; null for none. What it throws is
     *                  suppressed: the ladder goes on regardless
     * @param termAfter when SIGTERM follows (from now); zero: at once
     * @param killAfter when SIGKILL follows (from now)
     * @return completes once the root has exited, with how far the ladder had to go; the same
     *         future for every call
     */
    public CompletableFuture<Escalation> stop(Runnable request, Duration termAfter, Duration killAfter) {
        CompletableFuture<Escalation> first;
        synchronized (this) {
            if (stopping != null) {
                return stopping;
            }
            stopping = first = new CompletableFuture<>();
        }
        raise(Escalation.REQUESTED);
        signals.remember();
        if (request != null) {
            try {
                request.run();
            } catch (RuntimeException e) {
                // a request that failed (a pipe already closed) leaves the signals to do the work
            }
        }
        LADDER.schedule(() -> step(Escalation.TERMINATED), termAfter.toMillis(), TimeUnit.MILLISECONDS);
        LADDER.schedule(() -> step(Escalation.KILLED), killAfter.toMillis(), TimeUnit.MILLISECONDS);
        process.onExit().thenRun(() -> first.complete(escalation));
        return first;
    }

    /** SIGKILL now to the tree and group, also to what a root that has exited left behind. */
    public void kill() {
        if (process.isAlive()) {
            raise(Escalation.KILLED);
        }
        signals.signal(true);
    }

    /**
     * Waits up to {@code max} for every process seen of it to be gone.
     *
     * @return the pids still running; empty when all are gone
     */
    public List<Long> survivors(Duration max) throws InterruptedException {
        return signals.survivors(max);
    }

    /** How many processes of its tree and group were seen (and so signalled, if it was stopped). */
    public int processesSeen() {
        return signals.seen();
    }

    private void step(Escalation to) {
        if (process.isAlive()) {
            raise(to);
            signals.signal(to == Escalation.KILLED);
        }
    }

    private synchronized void raise(Escalation to) {
        if (to.compareTo(escalation) > 0) {
            escalation = to;
        }
    }
}
