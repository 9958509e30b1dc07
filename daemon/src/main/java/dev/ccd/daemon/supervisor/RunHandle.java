package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One live run: its identity, its {@link RunState}, its process and pipe once they exist, and the
 * futures that tell its progress. Every transition is a method here that checks the state it
 * starts from, under this object's lock, so that stop, resume and finish are each decided once
 * whoever calls them, from whatever thread.
 *
 * <p>Threads: control threads (start, stop, resume, answers), the run's reader thread (what the
 * runner says), the timer of restarts and the {@code run-end} pool (its end). Fields below the
 * futures are guarded by {@code this}, except {@link #exitMessage} and {@link #readyNanos}: written
 * by the reader thread alone and read only after {@link #ready} or the reader's end completed,
 * which orders the write before the read.
 */
final class RunHandle {
    final String runId;
    final RunSpec spec;
    final int restartCount;
    final Path stderrLog;

    final CompletableFuture<Message.Ready> ready = new CompletableFuture<>();
    /** Completed once the end is recorded, with the run's final row. */
    final CompletableFuture<RunRow> ended = new CompletableFuture<>();
    /** Completed when the first iteration starts (the runner took its config) or the run ends. */
    final CompletableFuture<Void> underway = new CompletableFuture<>();
    /**
     * Completed when the first iteration has come to its first account: done, a question, a
     * pause, or the run's end. An {@code --ask} run's start waits for it (briefly), so that it
     * answers with the status the run has, not the one it had an instant before it asked.
     */
    final CompletableFuture<Void> settled = new CompletableFuture<>();

    /** The runner's own account of its end, if it gave one. Reader thread; see the class header. */
    Message.Exit exitMessage;
    /** When the ready line was read. Reader thread; see the class header. */
    long readyNanos;

    private RunState state = RunState.STARTING;
    private ManagedProcess process;
    private RunnerPipe pipe;
    private long spawnNanos;
    private String stopReason;
    private Duration stopTimeout;
    private Budget budget;
    /** Whether a resume replaced the spec's budget with {@link #budget}. */
    private boolean budgetRaised;
    private Message.PausedBudget paused;
    private String killedBecause;
    private String stopUndelivered;
    /** Why a start failed before the runner ran (its job waited past the placement timeout). */
    private String placementFailure;
    /** The scheduler's account of the end of the run's job; null for local runs. */
    private String schedulerAccount;
    /** Liveness (see {@link Liveness}): when the first ping not yet answered went out, 0 for none. */
    private long unansweredSince;
    private boolean unresponsive;
    private boolean livenessKilled;
    private long pingSeq;

    RunHandle(String runId, RunSpec spec, int restartCount, Path stderrLog) {
        this.runId = runId;
        this.spec = spec;
        this.restartCount = restartCount;
        this.stderrLog = stderrLog;
        this.budget = spec.config().budget() == null ? Budget.UNLIMITED : spec.config().budget();
    }

    /**
     * The runner's process exists. A stop asked for while it was being started is kept.
     *
     * @return the stop to carry out now, or null
     */
    synchronized PendingStop attach(ManagedProcess process, RunnerPipe pipe, long spawnNanos) {
        this.process = process;
        this.pipe = pipe;
        this.spawnNanos = spawnNanos;
        return state == RunState.STOPPING ? new PendingStop(stopReason, stopTimeout) : null;
    }

    /** A stop to carry out: its reason and when SIGKILL comes. */
    record PendingStop(String reason, Duration timeout) {
    }

    /**
     * The one decision to stop. Only the first call wins; a run without a process yet keeps the
     * stop for {@link #attach}.
     *
     * @return true when the caller must carry the stop out now (this call won, and there is a
     *         process); false when a stop began before, the run has ended, or no process exists yet
     */
    synchronized boolean beginStop(String reason, Duration timeout) {
        if (state.stopping()) {
            return false;
        }
        state = RunState.STOPPING;
        stopReason = reason;
        stopTimeout = timeout;
        return process != null;
    }

    synchronized boolean stopRequested() {
        return stopReason != null;
    }

    synchronized String stopReason() {
        return stopReason;
    }

    /** ready arrived: {@code STARTING → RUNNING}. */
    synchronized void onReady() {
        if (state == RunState.STARTING) {
            state = RunState.RUNNING;
        }
    }

    /** The runner paused for its budget: {@code RUNNING|RESUMING → PAUSED}. */
    synchronized void onPaused(Message.PausedBudget message) {
        paused = message;
        if (state == RunState.RUNNING || state == RunState.RESUMING) {
            state = RunState.PAUSED;
        }
    }

    /** The runner resumed: {@code PAUSED|RESUMING → RUNNING}. */
    synchronized void onResumed() {
        paused = null;
        if (state == RunState.PAUSED || state == RunState.RESUMING) {
            state = RunState.RUNNING;
        }
    }

    /**
     * Claims the pause for one resume: {@code PAUSED → RESUMING}.
     *
     * @return the pause being lifted, or null when the run is not paused (or another resume holds it)
     */
    synchronized Message.PausedBudget claimResume() {
        if (state != RunState.PAUSED) {
            return null;
        }
        state = RunState.RESUMING;
        return paused;
    }

    /** The resume was refused or not delivered: {@code RESUMING → PAUSED}, the budget unchanged. */
    synchronized void resumeAbandoned() {
        if (state == RunState.RESUMING) {
            state = RunState.PAUSED;
        }
    }

    /** The resume reached the runner: its budget is now in force. */
    synchronized void resumeDelivered(Budget next) {
        budget = next;
        budgetRaised = true;
    }

    /**
     * The run's spec with the budget in force: what its spec file holds and a restart starts
     * with, so that a budget raised at a pause outlives this runner.
     */
    synchronized RunSpec specInForce() {
        return budgetRaised ? spec.withBudget(budget) : spec;
    }

    synchronized Budget budget() {
        return budget;
    }

    synchronized RunState state() {
        return state;
    }

    /** The process is gone: {@code any → ENDED}. Lines read after this are not recorded. */
    synchronized void markEnded() {
        state = RunState.ENDED;
    }

    synchronized boolean isEnded() {
        return state == RunState.ENDED;
    }

    synchronized void killedBecause(String why) {
        killedBecause = why;
    }

    synchronized String killedBecause() {
        return killedBecause;
    }

    /** The stop message did not reach the runner: signals ended it. */
    synchronized void stopUndelivered(String problem) {
        stopUndelivered = problem;
    }

    synchronized String stopUndelivered() {
        return stopUndelivered;
    }

    synchronized void placementFailed(String why) {
        placementFailure = why;
    }

    synchronized String placementFailure() {
        return placementFailure;
    }

    synchronized void schedulerAccount(String account) {
        schedulerAccount = account;
    }

    synchronized String schedulerAccount() {
        return schedulerAccount;
    }

    /** What the liveness check does with this run now. */
    enum LivenessStep { SKIP, PING, UNRESPONSIVE, KILL }

    /**
     * The liveness decision, under the lock so that it cannot race a stop or the end: only a run
     * past its handshake and not stopping is pinged, and it is killed once.
     */
    synchronized LivenessStep livenessStep(long now, long timeoutNanos) {
        boolean pingable = state == RunState.RUNNING || state == RunState.PAUSED || state == RunState.RESUMING;
        if (!pingable || livenessKilled || pipe == null) {
            return LivenessStep.SKIP;
        }
        if (unansweredSince == 0) {
            unansweredSince = now;
            return LivenessStep.PING;
        }
        long silent = now - unansweredSince;
        if (silent >= 2 * timeoutNanos) {
            livenessKilled = true;
            return LivenessStep.KILL;
        }
        if (silent >= timeoutNanos && !unresponsive) {
            unresponsive = true;
            return LivenessStep.UNRESPONSIVE;
        }
        return LivenessStep.PING;
    }

    /** How long the oldest unanswered ping has waited. */
    synchronized long silentNanos(long now) {
        return unansweredSince == 0 ? 0 : now - unansweredSince;
    }

    synchronized long pingsSent() {
        return pingSeq;
    }

    synchronized long nextPingSeq() {
        return ++pingSeq;
    }

    /**
     * A pong: every ping so far counts as answered.
     *
     * @return how long the run had been silent if it was unresponsive until now, else -1
     */
    synchronized long onPong(long now) {
        long silent = unansweredSince == 0 ? 0 : now - unansweredSince;
        unansweredSince = 0;
        if (!unresponsive) {
            return -1;
        }
        unresponsive = false;
        return silent;
    }

    synchronized ManagedProcess process() {
        return process;
    }

    synchronized long spawnNanos() {
        return spawnNanos;
    }

    /** Sends a message to the runner; a run without a pipe yet cannot be reached. */
    Delivery send(Message message) {
        RunnerPipe p;
        synchronized (this) {
            p = pipe;
        }
        return p == null ? Delivery.failed("the runner has not started yet") : p.send(message);
    }

    /** Whether a message sent now could reach the runner. */
    boolean reachable() {
        RunnerPipe p;
        synchronized (this) {
            p = pipe;
        }
        return p != null && p.open();
    }

    synchronized RunnerPipe pipe() {
        return pipe;
    }
}
