package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.PermissionRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.ResumeFrom;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's runs: starts them ({@link RunLaunch}), stops, resumes and answers them, records
 * their ends and restarts the ones that crash.
 *
 * <p>Threads: requests come from control-server threads; each runner's messages arrive on its
 * reader thread ({@link RunRecorder}); ends are recorded on the {@code run-end} pool, which also
 * runs restarts once their delay is over. Which names are taken is {@link LiveRuns}' alone;
 * whether a run may be stopped or resumed is decided by its {@link RunHandle}, once.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a start waits, after the handshake, for the first iteration to begin (or the run to end). */
    static final Duration UNDERWAY_WAIT = Duration.ofSeconds(5);
    /** How long an {@code --ask} run's start waits, after that, for its first question or account. */
    static final Duration SETTLE_WAIT = Duration.ofSeconds(2);
    static final Duration TERM_AFTER = Duration.ofSeconds(2);
    static final Duration KILL_AFTER = Duration.ofSeconds(5);
    /** How long shutdown waits for the ends of runs it had to SIGKILL to be recorded. */
    static final Duration END_RECORD_WAIT = Duration.ofSeconds(5);

    /** Said to whoever starts a run without the sandbox, and in the daemon's log. */
    public static final String SANDBOX_OFF_WARNING = "the sandbox is off: this agent's tools run unconfined, with"
            + " your user's access to every file, the network and ccd itself";

    private final CcdHome home;
    private final Store store;
    private final RunnerLauncher launcher;
    private final Approvals approvals;
    private final LiveRuns runs = new LiveRuns();
    private final RunLaunch launches;
    private final Resumes resumes;
    /**
     * Where a run's end is recorded: not on the thread that saw the exit (the JDK's process
     * reaper, a reader, or the ladder's timer); restarts start here too.
     */
    private final ExecutorService endings = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "run-end");
        thread.setDaemon(true);
        return thread;
    });
    /** Set once by shutdown(): no new run may start after it. */
    private volatile boolean shuttingDown;

    private final Liveness liveness;

    public Supervisor(CcdHome home, Store store, RunnerLauncher launcher) {
        this(home, store, launcher, Liveness.Settings.fromEnvironment(System.getenv()));
    }

    Supervisor(CcdHome home, Store store, RunnerLauncher launcher, Liveness.Settings liveness) {
        this.home = home;
        this.store = store;
        this.launcher = launcher;
        this.approvals = new Approvals(store, runs::byRunId);
        this.liveness = new Liveness(liveness, store, runs::all);
        this.launches = new RunLaunch(home, store, launcher, runs, new RunRecorder(store, approvals, this.liveness),
                this);
        this.resumes = new Resumes(home, store, runs, launches, this);
    }

    /**
     * Starts a run and waits for its handshake (at most {@link #HANDSHAKE_TIMEOUT}).
     *
     * @return the run's row, status {@code running}
     * @throws SupervisorException CONFLICT when the name is live or has a restart pending,
     *     FAILED when the runner did not start (the run is then recorded {@code crashed}/{@code failed})
     */
    public RunRow start(RunSpec spec) throws SupervisorException {
        if (runs.restart(spec.name()).isPresent()) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + spec.name()
                    + "' has a restart pending; 'ccd agent stop " + spec.name() + "' cancels it");
        }
        return launch(spec, null, 0, null);
    }

    private RunRow launch(RunSpec spec, String restartOf, int restartCount, ResumeFrom from)
            throws SupervisorException {
        if (shuttingDown) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, "the daemon is shutting down");
        }
        RunRow run = launches.launch(spec, restartOf, restartCount, from);
        sandboxWarning(spec, run);
        return run;
    }

    void sandboxWarning(RunSpec spec, RunRow run) {
        if (!spec.config().sandboxOptions().sandboxed()) {
            // restarts too: each run of the lineage is unconfined, and its record says so
            log.warn("{} - {}", run.id(), SANDBOX_OFF_WARNING);
            // committed before the start answers: whoever started it finds the event
            try {
                store.event("sandbox_off", run.id(), MessageCodec.mapper().createObjectNode().put("name", spec.name()))
                        .get(RunLaunch.RECORD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("{} - the sandbox_off event was not recorded in time: {}", run.id(), e.toString());
            }
        }
    }

    /** The secrets of a resumed run, by its provider: the resumer's key, else the daemon's. */
    @FunctionalInterface
    public interface Secrets {
        Map<String, String> forProvider(String provider) throws SupervisorException;
    }

    /** See {@link Resumes#continueRun}. */
    public RunRow continueRun(String name, BudgetChange change, boolean force, Secrets secrets)
            throws SupervisorException {
        return resumes.continueRun(name, change, force, secrets);
    }

    /** See {@link Resumes#resumeOnStart}. */
    public void resumeOnStart(List<String> runIds, boolean died, Secrets secrets) {
        resumes.resumeOnStart(runIds, died, secrets);
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    ExecutorService endings() {
        return endings;
    }

    /**
     * Stops the live run of that name (or cancels its pending restart) and waits until its end
     * is recorded. A run still starting is stopped as soon as its runner exists, or never started.
     *
     * @param timeout SIGKILL comes at this point after the stop message (SIGTERM at 2 s or sooner)
     */
    public RunRow stop(String name, Duration timeout) throws SupervisorException {
        Optional<PendingRestart> pending = runs.restart(name);
        if (pending.isPresent() && runs.takeRestart(name, pending.get())) {
            store.event("restart_cancelled", pending.get().previousRunId(), null);
            try {
                return store.run(pending.get().previousRunId()).orElseThrow();
            } catch (SQLException e) {
                throw new SupervisorException(SupervisorException.Kind.FAILED, e.getMessage());
            }
        }
        RunHandle run = runs.get(name).orElseThrow(() -> new SupervisorException(SupervisorException.Kind.NOT_FOUND,
                "no live agent named '" + name + "'"));
        // a run still in its handshake may take that long before its stop can begin
        Duration wait = timeout.plus(HANDSHAKE_TIMEOUT).plusSeconds(2);
        requestStop(run, "stopped by user", timeout);
        try {
            return run.ended.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED,
                    "agent '" + name + "' did not end within " + wait.toSeconds() + " s: " + e);
        }
    }

    /** Begins the stop of a run unless one began before: one ladder, one {@code stop_requested}. */
    void requestStop(RunHandle run, String reason, Duration timeout) {
        if (run.beginStop(reason, timeout)) {
            carryOutStop(run, reason, timeout);
        }
    }

    /** The stop ladder of PROTOCOL.md on the run's process; see {@link ManagedProcess#stop}. */
    void carryOutStop(RunHandle run, String reason, Duration timeout) {
        Duration term = timeout.compareTo(TERM_AFTER.multipliedBy(2)) < 0 ? timeout.dividedBy(2) : TERM_AFTER;
        store.setLiveStatus(run.runId, RunStatus.STOPPING, "stop_requested",
                MessageCodec.mapper().createObjectNode().put("reason", reason));
        RunnerPipe pipe = run.pipe();
        run.process().stop(() -> {
            Delivery said = pipe.send(new Message.Stop(reason));
            if (!said.delivered()) {
                log.warn("{} - the stop message did not reach the runner ({}): signals will end it", run.runId,
                        said.problem());
                run.stopUndelivered(said.problem());
            }
            pipe.closeStdin("the run is stopping");
        }, term, timeout).thenAccept(how -> {
            if (how.compareTo(ManagedProcess.Escalation.REQUESTED) > 0) {
                log.warn("{} - did not exit on the stop message: ended by SIG{}", run.runId,
                        how == ManagedProcess.Escalation.KILLED ? "KILL" : "TERM");
            }
        });
    }

    /** Stops every live run (in parallel, each with its ladder) and cancels pending restarts. */
    public void shutdown() {
        shuttingDown = true;
        runs.clearRestarts();
        List<RunHandle> all = runs.all();
        all.forEach(run -> requestStop(run, "daemon stopping", KILL_AFTER));
        awaitEnds(all, KILL_AFTER.plusSeconds(2));
        // A run whose own stop has a longer timeout must not outlive the daemon either.
        for (RunHandle run : all) {
            ManagedProcess process = run.process();
            if (process != null && process.isAlive()) {
                log.warn("{} - still running at daemon stop: SIGKILL to its process tree and group", run.runId);
                process.kill();
            }
        }
        // Their ends are recorded before the store closes, or the next start would call them interrupted.
        awaitEnds(all, END_RECORD_WAIT);
        liveness.close();
    }

    private static void awaitEnds(List<RunHandle> all, Duration max) {
        try {
            CompletableFuture.allOf(all.stream().map(run -> run.ended).toArray(CompletableFuture[]::new))
                    .get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("not every run's end was recorded within {} s: {}", max.toSeconds(), e.toString());
        }
    }

    /** Answers a pending permission request; see {@link Approvals#answer}. */
    public PermissionRow answerPermission(String id, boolean granted, String reason) throws SupervisorException {
        return approvals.answer(id, granted, reason);
    }

    /**
     * A change of budget: for each limit, whether it changes ({@code set*}) and its new value
     * (null: unlimited).
     */
    public record BudgetChange(boolean setTokens, Long maxTokens, boolean setCost, Double maxCostUsd,
            boolean setIterations, Integer maxIterations) {

        /** A change of the token and cost limits only. */
        public BudgetChange(boolean setTokens, Long maxTokens, boolean setCost, Double maxCostUsd) {
            this(setTokens, maxTokens, setCost, maxCostUsd, false, null);
        }

        Budget applyTo(Budget old) {
            return new Budget(setTokens ? maxTokens : old.maxTokens(), setCost ? maxCostUsd : old.maxCostUsd(),
                    setIterations ? maxIterations : old.maxIterations());
        }
    }

    /**
     * Lifts the budget pause of a live run with new limits. Refused when the run is not paused
     * (or another resume is being applied), or when a limit would still be at or under what the
     * run has used; failed when the resume could not reach the runner. The new budget is in force
     * only once it was delivered.
     *
     * @return the budget now in force
     */
    public Budget resume(String name, BudgetChange change) throws SupervisorException {
        RunHandle run = runs.get(name).orElseThrow(() -> new SupervisorException(SupervisorException.Kind.NOT_FOUND,
                "no live agent named '" + name + "'"));
        Message.PausedBudget paused = run.claimResume();
        if (paused == null) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + name
                    + "' is not paused for its budget" + (run.state() == RunState.RESUMING
                            ? " (a resume was just sent; it is resuming)" : ""));
        }
        Budget next = change.applyTo(run.budget());
        try {
            checkAbove(next, paused.used());
        } catch (SupervisorException e) {
            run.resumeAbandoned();
            throw e;
        }
        Delivery delivery = run.send(new Message.Resume(next));
        if (!delivery.delivered()) {
            run.resumeAbandoned();
            throw new SupervisorException(SupervisorException.Kind.FAILED, "agent '" + name
                    + "' was not resumed: " + delivery.problem());
        }
        run.resumeDelivered(next);
        store.event("resume_requested", run.runId, MessageCodec.mapper().valueToTree(next));
        // a restart or a later resume starts from the spec file: it keeps the budget now in force
        try {
            SpecFile.write(home.run(run.runId), run.specInForce());
        } catch (IOException e) {
            log.warn("{} - the new budget is in force, but {} was not rewritten ({}): a resume after a daemon"
                    + " restart would go on with the old one", run.runId, SpecFile.FILE, e.toString());
        }
        return next;
    }

    static void checkAbove(Budget next, dev.ccd.protocol.Usage used) throws SupervisorException {
        long usedTokens = used.tokens();
        double usedCost = used.costUsd();
        if (next.maxTokens() != null && next.maxTokens() <= usedTokens) {
            throw new SupervisorException(SupervisorException.Kind.INVALID, "--max-tokens " + next.maxTokens()
                    + " is not above the " + usedTokens + " tokens the run has used; give more, e.g. --max-tokens "
                    + Math.max(usedTokens * 2, usedTokens + 10_000));
        }
        if (next.maxCostUsd() != null && next.maxCostUsd() <= usedCost) {
            throw new SupervisorException(SupervisorException.Kind.INVALID, String.format(Locale.ROOT,
                    "--max-cost %.4f is not above the $%.4f the run has used; give more", next.maxCostUsd(), usedCost));
        }
        if (next.maxIterations() != null && next.maxIterations() <= used.iterations()) {
            throw new SupervisorException(SupervisorException.Kind.INVALID, "--max-iterations " + next.maxIterations()
                    + " is not above the " + used.iterations() + " iterations the run has done; give more");
        }
    }

    /** The budget in force of a live run. */
    public Optional<Budget> liveBudget(String name) {
        return runs.get(name).map(RunHandle::budget);
    }

    public Optional<PendingRestart> pendingRestart(String name) {
        return runs.restart(name);
    }

    /** The state of the runner class-data archive; see {@link RunnerLauncher#archiveState}. */
    public String runnerArchive() {
        return launcher.archiveState();
    }

    /** How many pings the live run of that name has been sent (0 when none is live), for tests. */
    long pingsSent(String name) {
        return runs.get(name).map(RunHandle::pingsSent).orElse(0L);
    }

    /** The process of a live run, for diagnostics and tests. */
    public Optional<Long> livePid(String name) {
        return runs.get(name).map(RunHandle::process).map(ManagedProcess::pid);
    }

    /** After a run's end is recorded: its name goes back, and a crash may schedule a restart. */
    void afterEnd(RunHandle run, RunEnd end) {
        if (end.status() == RunStatus.CRASHED && !run.stopRequested() && !shuttingDown) {
            scheduleRestart(run);
        }
        released(run);
    }

    /** Gives the run's name back and tells whoever waits for its end; its end is recorded. */
    void released(RunHandle run) {
        runs.release(run);
        try {
            run.ended.complete(store.run(run.runId).orElseThrow());
        } catch (SQLException | RuntimeException e) {
            run.ended.completeExceptionally(e);
        }
        run.underway.complete(null);
        run.settled.complete(null);
    }

    /**
     * A restart goes on from the crashed run's checkpoint, numbering on from its last iteration
     * and counting at least the usage its record holds.
     */
    private ResumeFrom restartFrom(RunHandle crashed) {
        String dir = home.run(crashed.runId).toString();
        try {
            int next = store.lastIterationNumber(crashed.runId) + 1;
            Optional<RunRow> row = store.run(crashed.runId);
            ResumeFrom from = new ResumeFrom(dir, next, RunStatus.CRASHED.dbName());
            return row.map(r -> from.recorded(r.tokensIn(), r.tokensOut(), r.costUsd())).orElse(from);
        } catch (SQLException e) {
            log.warn("{} - its record cannot be read ({}): the restart goes on from its checkpoint alone",
                    crashed.runId, e.getMessage());
            return new ResumeFrom(dir, 1, RunStatus.CRASHED.dbName());
        }
    }

    /** Decided by {@link Restarts}; the pending restart holds the name until it fires or a stop cancels it. */
    private void scheduleRestart(RunHandle crashed) {
        RunSpec spec = crashed.specInForce();
        Restarts.Decision decision = Restarts.afterCrash(spec, crashed.restartCount);
        switch (decision.kind()) {
            case NONE -> {
            }
            case EXHAUSTED -> {
                log.warn("{} - crashed; restarts exhausted ({} of {})", crashed.runId, crashed.restartCount,
                        spec.maxRestarts());
                store.event("restart_exhausted", crashed.runId, MessageCodec.mapper().createObjectNode()
                        .put("name", spec.name()).put("restarts", crashed.restartCount)
                        .put("max_restarts", spec.maxRestarts()));
            }
            case RESTART -> {
                Duration delay = decision.delay();
                PendingRestart pending = new PendingRestart(crashed.runId, Instant.now().plus(delay));
                runs.addRestart(spec.name(), pending);
                ObjectNode payload = MessageCodec.mapper().createObjectNode().put("name", spec.name())
                        .put("attempt", crashed.restartCount + 1).put("delay_s", delay.toMillis() / 1000.0);
                store.event("restart_scheduled", crashed.runId, payload);
                log.info("{} - crashed; restart {} of {} in {} ms", crashed.runId, crashed.restartCount + 1,
                        spec.maxRestarts(), delay.toMillis());
                CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS, endings).execute(() -> {
                    if (!runs.takeRestart(spec.name(), pending)) {
                        return;
                    }
                    try {
                        launch(spec, crashed.runId, crashed.restartCount + 1, restartFrom(crashed));
                    } catch (SupervisorException e) {
                        log.warn("{} - restart failed: {}", crashed.runId, e.getMessage());
                    }
                });
            }
        }
    }
}
