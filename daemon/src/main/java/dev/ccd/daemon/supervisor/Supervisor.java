package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.PermissionRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, watches and stops runner JVMs, one per live run, and records everything they say.
 *
 * <p>Threading: requests come from control-server threads; each runner's messages arrive on its
 * reader thread ({@link RunRecorder}); ends are recorded on the process-exit thread; restarts
 * fire on a timer. The {@link #live} map is the one source of truth for which names are taken:
 * a name is reserved in it (atomically) before anything is written, and released only after the
 * run's end is committed, so a name is never live twice.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a start waits, after the handshake, for the first iteration to begin (or the run to end). */
    static final Duration UNDERWAY_WAIT = Duration.ofSeconds(5);
    static final Duration TERM_AFTER = Duration.ofSeconds(2);
    static final Duration KILL_AFTER = Duration.ofSeconds(5);

    private final CcdHome home;
    private final Store store;
    private final RunnerLauncher launcher;
    private final RunRecorder recorder;
    private final Approvals approvals;
    /** Live runs by name; a null-process placeholder holds a name while its run starts. */
    private final Map<String, Slot> live = new ConcurrentHashMap<>();
    /**
     * Where a run's end is recorded: not on the thread that saw the exit (the JDK's process
     * reaper, a reader, or the shared timer of delayed futures, which the stop ladders need).
     */
    private final java.util.concurrent.ExecutorService endings = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "run-end");
        thread.setDaemon(true);
        return thread;
    });
    /** Pending restarts by name, cancelled by a stop. */
    private final Map<String, Restarts.Pending> pendingRestarts = new ConcurrentHashMap<>();
    private final Restarts restarts;
    /**
     * Runners in their handshake at once. A JVM's start-up is CPU work: a hundred started
     * together on two cores would each miss the 5 s handshake; queued, each gets its share.
     */
    private final java.util.concurrent.Semaphore starting =
            new java.util.concurrent.Semaphore(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()));
    /** Set once by shutdown(): no new run may start after it. */
    private volatile boolean shuttingDown;

    /** A live name: its run once the process exists. */
    private static final class Slot {
        volatile RunnerProcess runner;
    }

    public Supervisor(CcdHome home, Store store, RunnerLauncher launcher) {
        this.home = home;
        this.store = store;
        this.launcher = launcher;
        this.approvals = new Approvals(store, this::liveRunner);
        this.recorder = new RunRecorder(store, approvals);
        this.restarts = new Restarts(this, store);
    }

    /**
     * Starts a run and waits for its handshake (at most {@link #HANDSHAKE_TIMEOUT}).
     *
     * @return the run's row, status {@code running}
     * @throws SupervisorException CONFLICT when the name is live or has a restart pending,
     *     FAILED when the runner did not start (the run is then recorded {@code crashed}/{@code failed})
     */
    public RunRow start(RunSpec spec) throws SupervisorException {
        if (pendingRestarts.containsKey(spec.name())) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + spec.name()
                    + "' has a restart pending; 'ccd agent stop " + spec.name() + "' cancels it");
        }
        return launch(spec, null, 0);
    }

    RunRow launch(RunSpec spec, String restartOf, int restartCount) throws SupervisorException {
        if (shuttingDown) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, "the daemon is shutting down");
        }
        Slot slot = new Slot();
        if (live.putIfAbsent(spec.name(), slot) != null) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + spec.name()
                    + "' is already running; stop it first or choose another name");
        }
        String runId;
        try {
            runId = insertRun(spec, restartOf, restartCount);
        } catch (InterruptedException | ExecutionException e) {
            live.remove(spec.name(), slot);
            throw new SupervisorException(SupervisorException.Kind.FAILED, "could not record the run: " + e.getMessage());
        }
        RunnerProcess runner;
        try {
            Files.createDirectories(home.run(runId));
            ObjectNode payload = MessageCodec.mapper().createObjectNode()
                    .put("name", spec.name()).put("template", spec.templateName()).put("provider", spec.config().provider());
            if (restartOf != null) {
                payload.put("restart_of", restartOf).put("restart_count", restartCount);
            }
            store.event("run_starting", runId, payload);
            ProcessBuilder builder = launcher.processBuilder(spec.workdir(), home.run(runId).resolve("stderr.log"));
            builder.environment().putAll(spec.secrets());
            starting.acquire();
            Process process;
            long spawnNanos = System.nanoTime();
            try {
                process = builder.start();
            } catch (IOException | RuntimeException e) {
                starting.release();
                throw e;
            }
            runner = new RunnerProcess(runId, spec, restartCount, home.run(runId).resolve("stderr.log"), process,
                    spawnNanos);
            runner.ready.whenComplete((ready, failure) -> starting.release());
        } catch (IOException | InterruptedException | RuntimeException e) {
            live.remove(spec.name(), slot);
            // a runtime failure's message may quote the environment, and with it an API key
            String error = "could not start the runner: "
                    + (e instanceof RuntimeException ? e.getClass().getSimpleName() : e.getMessage());
            store.endRun(runId, RunStatus.FAILED, null, error, Timestamps.now(), MessageCodec.mapper().createObjectNode()
                    .put("status", RunStatus.FAILED.dbName()).put("reason", "start_failed").put("error", error));
            throw new SupervisorException(SupervisorException.Kind.FAILED, error);
        }
        slot.runner = runner;
        runner.startReading(recorder::onOutcome);
        CompletableFuture.allOf(runner.onExit(), runner.readerDone)
                .thenRunAsync(() -> finish(runner, slot), endings);
        // Nothing else holds the runner's stdout, so its end of stream follows its exit at once;
        // the bound only guards against a reader that cannot finish.
        runner.onExit().thenRun(() -> runner.readerDone.completeOnTimeout(null, 5, TimeUnit.SECONDS));
        runner.send(init(runId, spec, home));
        if (shuttingDown) {
            // shutdown() began while this run was starting and may not have seen it
            beginStop(runner, "daemon stopping", KILL_AFTER);
        }
        RunRow ready = awaitReady(runner);
        // What the runner can still find wrong after its handshake (a script it cannot read, a
        // provider without its key) ends the run within milliseconds: the caller hears of it
        // here rather than from a later status. A runner slow to take its config is running.
        try {
            runner.underway.get(UNDERWAY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still preparing, or a stop came first: the row says which
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            return store.run(runner.runId).orElse(ready);
        } catch (SQLException e) {
            return ready;
        }
    }

    /** Records a new run; a clash of ids (two starts in one second) is retried with a new one. */
    private String insertRun(RunSpec spec, String restartOf, int restartCount)
            throws InterruptedException, ExecutionException {
        for (int attempt = 1; ; attempt++) {
            String runId = newRunId();
            RunRow row = RunRow.starting(runId, spec.name(), spec.templateName(), spec.args(), spec.config().provider(),
                    spec.config().model(), spec.workdir().toString(), !spec.config().ask(), restartOf, restartCount,
                    Timestamps.now());
            try {
                store.insertRun(row).get();
                return runId;
            } catch (ExecutionException e) {
                if (attempt >= 5 || !String.valueOf(e.getCause().getMessage()).contains("UNIQUE")) {
                    throw e;
                }
            }
        }
    }

    private RunRow awaitReady(RunnerProcess runner) throws SupervisorException {
        try {
            Message.Ready ready = runner.ready.get(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            store.setRunning(runner.runId, ready.pid()).get();
            store.event("run_started", runner.runId, MessageCodec.mapper().createObjectNode()
                    .put("pid", ready.pid())
                    .put("ready_ms", Math.round((runner.readyNanos - runner.spawnNanos) / 100_000.0) / 10.0));
            log.info("{} - runner ready, pid {}", runner.runId, ready.pid());
            return store.run(runner.runId).orElseThrow();
        } catch (TimeoutException e) {
            log.warn("{} - no ready within {} s: killing it", runner.runId, HANDSHAKE_TIMEOUT.toSeconds());
            runner.killedBecause = "no ready within " + HANDSHAKE_TIMEOUT.toSeconds() + " s of start: killed";
            runner.ready.completeExceptionally(e);
            runner.killLeftovers();
            throw failure(runner, "the runner did not answer init within " + HANDSHAKE_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            // no ready (the runner said why), or its running status could not be recorded
            runner.killLeftovers();
            throw failure(runner, e.getCause().getMessage());
        } catch (InterruptedException | SQLException e) {
            runner.killLeftovers();
            throw failure(runner, e.toString());
        }
    }

    /** Waits for the recorded end of a run whose start failed, and reports it. */
    private SupervisorException failure(RunnerProcess runner, String why) {
        try {
            RunRow end = runner.ended.get(KILL_AFTER.toMillis() + 1000, TimeUnit.MILLISECONDS);
            String detail = end.error() != null ? end.error() : why;
            return new SupervisorException(SupervisorException.Kind.FAILED,
                    "agent '" + runner.spec.name() + "' did not start (" + end.status().dbName() + "): " + detail);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            return new SupervisorException(SupervisorException.Kind.FAILED,
                    "agent '" + runner.spec.name() + "' did not start: " + why);
        }
    }

    /**
     * Stops the live run of that name (or cancels its pending restart) and waits until its end
     * is recorded.
     *
     * @param timeout SIGKILL comes at this point after the stop message (SIGTERM at 2 s or sooner)
     */
    public RunRow stop(String name, Duration timeout) throws SupervisorException {
        Restarts.Pending pending = pendingRestarts.remove(name);
        if (pending != null) {
            pending.cancel();
            store.event("restart_cancelled", pending.previousRunId(), null);
            try {
                return store.run(pending.previousRunId()).orElseThrow();
            } catch (SQLException e) {
                throw new SupervisorException(SupervisorException.Kind.FAILED, e.getMessage());
            }
        }
        Slot slot = live.get(name);
        RunnerProcess runner = slot == null ? null : slot.runner;
        if (runner == null) {
            throw new SupervisorException(SupervisorException.Kind.NOT_FOUND, "no live agent named '" + name + "'");
        }
        beginStop(runner, "stopped by user", timeout);
        try {
            return runner.ended.get(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED,
                    "agent '" + name + "' did not end within " + timeout.toSeconds() + " s: " + e);
        }
    }

    private void beginStop(RunnerProcess runner, String reason, Duration timeout) {
        if (runner.stopReason != null) {
            return;
        }
        Duration term = timeout.compareTo(TERM_AFTER.multipliedBy(2)) < 0 ? timeout.dividedBy(2) : TERM_AFTER;
        store.setLiveStatus(runner.runId, RunStatus.STOPPING, "stop_requested",
                MessageCodec.mapper().createObjectNode().put("reason", reason));
        runner.stopLadder(reason, term, timeout);
    }

    /** Stops every live run (in parallel, each with its ladder) and cancels pending restarts. */
    public void shutdown() {
        shuttingDown = true;
        pendingRestarts.values().forEach(Restarts.Pending::cancel);
        pendingRestarts.clear();
        List<CompletableFuture<RunRow>> ends = new ArrayList<>();
        for (Slot slot : live.values()) {
            RunnerProcess runner = slot.runner;
            if (runner != null) {
                beginStop(runner, "daemon stopping", KILL_AFTER);
                ends.add(runner.ended);
            }
        }
        try {
            CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new))
                    .get(KILL_AFTER.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            log.warn("not every runner ended in time: {}", e.toString());
        }
        // A run whose own stop has a longer timeout must not outlive the daemon either.
        for (Slot slot : live.values()) {
            RunnerProcess runner = slot.runner;
            if (runner != null && runner.isAlive()) {
                log.warn("{} - still running at daemon stop: SIGKILL to its process group", runner.runId);
                runner.killLeftovers();
            }
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
    public record BudgetChange(boolean setTokens, Long maxTokens, boolean setCost, Double maxCostUsd) {
        Budget applyTo(Budget old) {
            return new Budget(setTokens ? maxTokens : old.maxTokens(), setCost ? maxCostUsd : old.maxCostUsd(),
                    old.maxIterations());
        }
    }

    /**
     * Lifts the budget pause of a live run with new limits. Refused when the run is not paused,
     * or when a limit would still be at or under what the run has used.
     *
     * @return the budget now in force
     */
    public Budget resume(String name, BudgetChange change) throws SupervisorException {
        Slot slot = live.get(name);
        RunnerProcess runner = slot == null ? null : slot.runner;
        if (runner == null) {
            throw new SupervisorException(SupervisorException.Kind.NOT_FOUND, "no live agent named '" + name + "'");
        }
        Message.PausedBudget paused = runner.paused;
        if (paused == null) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + name
                    + "' is not paused for its budget");
        }
        Budget next = change.applyTo(runner.budget);
        long usedTokens = paused.used().tokens();
        double usedCost = paused.used().costUsd();
        if (next.maxTokens() != null && next.maxTokens() <= usedTokens) {
            throw new SupervisorException(SupervisorException.Kind.INVALID, "--max-tokens " + next.maxTokens()
                    + " is not above the " + usedTokens + " tokens the run has used; give more, e.g. --max-tokens "
                    + Math.max(usedTokens * 2, usedTokens + 10_000));
        }
        if (next.maxCostUsd() != null && next.maxCostUsd() <= usedCost) {
            throw new SupervisorException(SupervisorException.Kind.INVALID, String.format(java.util.Locale.ROOT,
                    "--max-cost %.4f is not above the $%.4f the run has used; give more", next.maxCostUsd(), usedCost));
        }
        runner.budget = next;
        runner.send(new Message.Resume(next));
        store.event("resume_requested", runner.runId, MessageCodec.mapper().valueToTree(next));
        return next;
    }

    /** The live runner of a run id, or null. */
    private RunnerProcess liveRunner(String runId) {
        for (Slot slot : live.values()) {
            RunnerProcess runner = slot.runner;
            if (runner != null && runner.runId.equals(runId)) {
                return runner;
            }
        }
        return null;
    }

    /** The budget in force of a live run, and whether it is paused. */
    public Optional<Budget> liveBudget(String name) {
        Slot slot = live.get(name);
        return slot == null || slot.runner == null ? Optional.empty() : Optional.of(slot.runner.budget);
    }

    public Optional<PendingRestart> pendingRestart(String name) {
        return Optional.ofNullable(pendingRestarts.get(name))
                .map(p -> new PendingRestart(p.previousRunId(), java.time.Instant.ofEpochMilli(p.dueAtMillis())));
    }

    /** The state of the runner class-data archive; see {@link RunnerLauncher#archiveState}. */
    public String runnerArchive() {
        return launcher.archiveState();
    }

    /** The process of a live run, for diagnostics and tests. */
    public Optional<Long> livePid(String name) {
        Slot slot = live.get(name);
        return slot == null || slot.runner == null ? Optional.empty() : Optional.of(slot.runner.pid());
    }

    void addPendingRestart(String name, Restarts.Pending pending) {
        pendingRestarts.put(name, pending);
    }

    boolean removePendingRestart(String name, Restarts.Pending pending) {
        return pendingRestarts.remove(name, pending);
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    /** Records the end of a run once its process has exited and its output is read. */
    private void finish(RunnerProcess runner, Slot slot) {
        runner.ready.completeExceptionally(new IllegalStateException("the runner exited before it was ready"));
        runner.recording = false;
        RunEnd end = RunEnd.of(runner);
        CompletableFuture<?> recorded = store.endRun(runner.runId, end.status(), end.exitCode(), end.error(),
                Timestamps.now(), end.payload());
        // A runner cleans up after itself, but one that crashed could not: its group still holds
        // whatever it had started. Killing that spawns kill(1), which would compete with the
        // commit on a small machine: the end is recorded first, so a crash is seen at once.
        try {
            recorded.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // logged below, where the future is consumed; the leftovers are killed regardless
        }
        runner.killLeftovers();
        recorded.whenComplete((ok, failure) -> {
            live.remove(runner.spec.name(), slot);
            if (failure != null) {
                log.error("{} - recording the run's end failed: {}", runner.runId, failure.toString());
            }
            log.info("{} - run ended {} ({})", runner.runId, end.status().dbName(), end.reason());
            try {
                runner.ended.complete(store.run(runner.runId).orElseThrow());
            } catch (SQLException | RuntimeException e) {
                runner.ended.completeExceptionally(e);
            }
            runner.underway.complete(null);
            if (end.status() == RunStatus.CRASHED && runner.stopReason == null) {
                restarts.afterCrash(runner);
            }
        });
    }

    private static Message.Init init(String runId, RunSpec spec, CcdHome home) {
        RunConfig config = spec.config().withRunDir(home.run(runId).toString());
        return new Message.Init(Message.PROTOCOL_VERSION, runId, spec.name(),
                new TemplateSpec(spec.templateName(), spec.templateText()), spec.args(), config);
    }

    private static String newRunId() {
        return "r-" + LocalDateTime.now(ZoneOffset.UTC).format(RUN_ID_TIME) + "-"
                + String.format("%06x", ThreadLocalRandom.current().nextInt(0x1000000));
    }
}
