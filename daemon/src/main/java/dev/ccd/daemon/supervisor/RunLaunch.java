package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.StoreHealth;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.process.ClusterJob;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.ResumeFrom;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of one run, from its name to its first iteration: reserve the name, record the row,
 * fork the runner, hand it {@code init}, wait for {@code ready}; and its end, once the process
 * has exited and its output is read.
 *
 * <p>Threads: {@link #launch} runs on the control thread that asked (or the {@code run-end} pool
 * for a restart) and blocks for the handshake; {@link #finish} runs on the {@code run-end} pool.
 */
final class RunLaunch {
    private static final Logger log = LoggerFactory.getLogger(RunLaunch.class);
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final CcdHome home;
    private final Store store;
    private final RunnerLauncher launcher;
    private final LiveRuns runs;
    private final RunRecorder recorder;
    private final Supervisor supervisor;
    /** How long a start waits for its row to be committed before it gives up. */
    static final Duration RECORD_WAIT = Duration.ofSeconds(10);

    /**
     * Runners in their handshake at once. A JVM's start-up is CPU work: a hundred started
     * together on two cores would each miss the 5 s handshake; queued, each gets its share.
     */
    static final int MAX_STARTING = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());

    private final Semaphore starting = new Semaphore(MAX_STARTING);

    RunLaunch(CcdHome home, Store store, RunnerLauncher launcher, LiveRuns runs, RunRecorder recorder,
            Supervisor supervisor) {
        this.home = home;
        this.store = store;
        this.launcher = launcher;
        this.runs = runs;
        this.recorder = recorder;
        this.supervisor = supervisor;
    }

    /**
     * A new run: a new row, and a runner that begins the program, or (for a restart given {@code
     * from}) goes on from the crashed run's checkpoint.
     */
    RunRow launch(RunSpec spec, String restartOf, int restartCount, ResumeFrom from) throws SupervisorException {
        RunHandle run = reserve(spec, restartOf, restartCount);
        ObjectNode payload = MessageCodec.mapper().createObjectNode()
                .put("name", spec.name()).put("template", spec.templateName()).put("provider", spec.config().provider());
        if (restartOf != null) {
            payload.put("restart_of", restartOf).put("restart_count", restartCount);
        }
        return start(run, spec, from, payload);
    }

    /**
     * An ended run going on: the same row made live again (with its {@code run_resumed} event), and
     * a runner that goes on from the run's checkpoint.
     *
     * @param restartCount what counts against {@code --max-restarts} for this run from now
     */
    RunRow resume(RunRow row, RunSpec spec, int restartCount, ResumeFrom from, ObjectNode event)
            throws SupervisorException {
        RunHandle run = new RunHandle(row.id(), spec, restartCount, home.run(row.id()).resolve("stderr.log"));
        if (!runs.reserve(run)) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + spec.name()
                    + "' is already running; stop it first or choose another name");
        }
        boolean resumed;
        try {
            resumed = store.resumeRun(row.id(), Timestamps.now(), event).get(RECORD_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            runs.release(run);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new SupervisorException(SupervisorException.Kind.FAILED, "agent '" + spec.name()
                    + "' was not resumed: the ccd.db record did not take it (" + e + ")");
        }
        if (!resumed) {
            runs.release(run);
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "run " + row.id() + " of agent '"
                    + spec.name() + "' is live again: nothing to resume");
        }
        return start(run, spec, from, null);
    }

    private RunRow start(RunHandle run, RunSpec spec, ResumeFrom from, ObjectNode startingEvent)
            throws SupervisorException {
        Message.Init init = init(run.runId, spec, home, from);
        int initBytes = MessageCodec.encode(init).length;
        if (initBytes > MessageReader.DEFAULT_MAX_LINE_BYTES) {
            throw notStarted(run, RunStatus.FAILED, "the template and its arguments are " + initBytes
                    + " bytes, over the protocol's limit of " + MessageReader.DEFAULT_MAX_LINE_BYTES
                    + " bytes per message: shorten them", "start_failed");
        }
        ManagedProcess process;
        long spawnNanos;
        boolean local = spec.placement().local();
        try {
            Files.createDirectories(home.run(run.runId));
            SpecFile.write(home.run(run.runId), spec);
            if (startingEvent != null) {
                store.event("run_starting", run.runId, startingEvent);
            }
            // waiting for a place, a stop must not wait with it; a job on a cluster takes no
            // place here: its runner starts on a node, when the scheduler says
            while (local && !starting.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (run.stopRequested()) {
                    throw notStarted(run, RunStatus.STOPPED, "stopped before its runner started", "stopped");
                }
            }
            if (run.stopRequested()) {
                release(local);
                throw notStarted(run, RunStatus.STOPPED, "stopped before its runner started", "stopped");
            }
            spawnNanos = System.nanoTime();
            try {
                process = launcher.start(spec.workdir(), run.stderrLog, spec.secrets(), spec.placement(),
                        Placement.jobName(spec.name(), run.runId));
            } catch (IOException | RuntimeException e) {
                release(local);
                throw e;
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // a runtime failure's message may quote the environment, and with it an API key
            throw notStarted(run, RunStatus.FAILED, "could not start the runner: "
                    + (e instanceof RuntimeException ? e.getClass().getSimpleName() : e.getMessage()), "start_failed");
        }
        RunnerPipe pipe = new RunnerPipe(run.runId, process);
        RunHandle.PendingStop early = run.attach(process, pipe, spawnNanos);
        if (local) {
            run.ready.whenComplete((ready, failure) -> starting.release());
        }
        pipe.startReading(result -> recorder.onOutcome(run, result));
        CompletableFuture.allOf(process.onExit(), pipe.readerDone).thenRunAsync(() -> finish(run), supervisor.endings());
        // Nothing else holds the runner's stdout, so its end of stream follows its exit at once;
        // the bound only guards against a reader that cannot finish.
        process.onExit().thenRun(() -> pipe.readerDone.completeOnTimeout(null, 5, TimeUnit.SECONDS));
        Optional<ClusterJob> job = process.job();
        if (job.isPresent()) {
            return new QueuedLaunch(this, store, supervisor).start(run, init, initBytes, early, job.get());
        }
        return handshake(run, init, early);
    }

    /**
     * Sends {@code init} (null: it was sent) and waits for {@code ready}, then for the first
     * iteration (briefly).
     */
    RunRow handshake(RunHandle run, Message.Init init, RunHandle.PendingStop early) throws SupervisorException {
        if (init != null) {
            run.pipe().send(init);
        }
        if (early != null) {
            supervisor.carryOutStop(run, early.reason(), early.timeout());
        } else if (supervisor.isShuttingDown()) {
            // shutdown() began while this run was starting and may not have seen it
            supervisor.requestStop(run, "daemon stopping", Supervisor.KILL_AFTER);
        }
        RunRow ready = awaitReady(run);
        // What the runner can still find wrong after its handshake (a script it cannot read, a
        // provider without its key) ends the run within milliseconds: the caller hears of it
        // here rather than from a later status. A runner slow to take its config is running.
        try {
            run.underway.get(Supervisor.UNDERWAY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still preparing, or a stop came first: the row says which
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (run.spec.config().ask()) {
                run.settled.get(Supervisor.SETTLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException | ExecutionException e) {
            // still at its first turn: running is what it is
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            // what the runner said until now is recorded before the row is read
            store.committed().get(Supervisor.SETTLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // a blocked record: the row as it stands
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            return store.run(run.runId).orElse(ready);
        } catch (SQLException e) {
            return ready;
        }
    }

    private void release(boolean local) {
        if (local) {
            starting.release();
        }
    }

    /**
     * Takes the name and records the run {@code starting}. A clash of ids (two starts in one
     * second) is retried with a new one, the name held throughout.
     */
    private RunHandle reserve(RunSpec spec, String restartOf, int restartCount) throws SupervisorException {
        RunHandle run = handle(spec, restartCount);
        if (!runs.reserve(run)) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + spec.name()
                    + "' is already running; stop it first or choose another name");
        }
        for (int attempt = 1; ; attempt++) {
            RunRow row = RunRow.starting(run.runId, spec.name(), spec.templateName(), spec.args(),
                    spec.config().provider(), spec.config().model(), spec.workdir().toString(), !spec.config().ask(),
                    restartOf, restartCount, Timestamps.now(), spec.sandboxWord(), spec.networkWord())
                    .placedOn(spec.placement().word());
            try {
                store.insertRun(row).get(RECORD_WAIT.toSeconds(), TimeUnit.SECONDS);
                return run;
            } catch (TimeoutException e) {
                // The record is blocked (a lock held outside, a full disk): the insert stays queued
                // and commits when it heals, so its end is queued behind it, and nothing starts.
                String why = "the ccd.db record is blocked (" + blockedBy() + "): nothing was started";
                store.endRun(run.runId, RunStatus.FAILED, null, why, Timestamps.now(), MessageCodec.mapper()
                        .createObjectNode().put("status", RunStatus.FAILED.dbName()).put("reason", "start_failed")
                        .put("error", why));
                run.markEnded();
                runs.release(run);
                throw new SupervisorException(SupervisorException.Kind.FAILED, "agent '" + spec.name()
                        + "' did not start within " + RECORD_WAIT.toSeconds() + " s: " + why);
            } catch (ExecutionException e) {
                if (attempt >= 5 || !String.valueOf(e.getCause().getMessage()).contains("UNIQUE")) {
                    runs.release(run);
                    throw new SupervisorException(SupervisorException.Kind.FAILED,
                            "could not record the run: " + e.getCause().getMessage());
                }
                RunHandle retry = handle(spec, restartCount);
                runs.swap(run, retry);
                run = retry;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                runs.release(run);
                throw new SupervisorException(SupervisorException.Kind.FAILED, "interrupted while recording the run");
            }
        }
    }

    private String blockedBy() {
        StoreHealth health = store.health();
        return health.ok() ? health.writesQueued() + " writes wait to be committed"
                : health.reason() + ", since " + health.since();
    }

    private RunHandle handle(RunSpec spec, int restartCount) {
        String runId = newRunId();
        return new RunHandle(runId, spec, restartCount, home.run(runId).resolve("stderr.log"));
    }

    /** Ends a run that never got a process, and tells whoever waits for it. */
    private SupervisorException notStarted(RunHandle run, RunStatus status, String why, String reason) {
        run.markEnded();
        try {
            store.endRun(run.runId, status, null, why, Timestamps.now(), MessageCodec.mapper().createObjectNode()
                    .put("status", status.dbName()).put("reason", reason).put("error", why)).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("{} - recording that the run did not start failed: {}", run.runId, e.toString());
        }
        supervisor.released(run);
        run.ready.completeExceptionally(new IllegalStateException(why));
        return new SupervisorException(SupervisorException.Kind.FAILED, "agent '" + run.spec.name()
                + "' did not start: " + why);
    }

    private RunRow awaitReady(RunHandle run) throws SupervisorException {
        long timeout = Supervisor.HANDSHAKE_TIMEOUT.toSeconds();
        try {
            Message.Ready ready = run.ready.get(Supervisor.HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            store.setRunning(run.runId, ready.pid()).get();
            store.event("run_started", run.runId, MessageCodec.mapper().createObjectNode()
                    .put("pid", ready.pid())
                    .put("ready_ms", Math.round((run.readyNanos - run.spawnNanos()) / 100_000.0) / 10.0));
            log.info("{} - runner ready, pid {}", run.runId, ready.pid());
            return store.run(run.runId).orElseThrow();
        } catch (TimeoutException e) {
            log.warn("{} - no ready within {} s: killing it", run.runId, timeout);
            run.killedBecause("no ready within " + timeout + " s of start: killed");
            run.ready.completeExceptionally(e);
            run.process().kill();
            throw failure(run, "the runner did not answer init within " + timeout + " s");
        } catch (ExecutionException e) {
            // no ready (the runner said why), or its running status could not be recorded
            run.process().kill();
            throw failure(run, e.getCause().getMessage());
        } catch (InterruptedException | SQLException e) {
            run.process().kill();
            throw failure(run, e.toString());
        }
    }

    /** Waits for the recorded end of a run whose start failed, and reports it. */
    SupervisorException failure(RunHandle run, String why) {
        try {
            RunRow end = run.ended.get(Supervisor.KILL_AFTER.toMillis() + 1000, TimeUnit.MILLISECONDS);
            String detail = end.error() != null ? end.error() : why;
            return new SupervisorException(SupervisorException.Kind.FAILED,
                    "agent '" + run.spec.name() + "' did not start (" + end.status().dbName() + "): " + detail);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            return new SupervisorException(SupervisorException.Kind.FAILED,
                    "agent '" + run.spec.name() + "' did not start: " + why);
        }
    }

    /** Records the end of a run once its process has exited and its output is read. */
    private void finish(RunHandle run) {
        run.markEnded();
        Optional<ClusterJob> job = run.process().job();
        job.ifPresent(cluster -> JobWatch.accountForEnd(store, run, cluster));
        run.ready.completeExceptionally(new IllegalStateException("the runner exited before it was ready"));
        RunEnd end = RunEnd.of(run);
        CompletableFuture<Boolean> recorded = store.endRun(run.runId, end.status(), end.exitCode(), end.error(),
                Timestamps.now(), end.payload());
        // A runner cleans up after itself, but one that crashed could not: its group still holds
        // whatever it had started. The end is recorded first, so that a crash is seen at once.
        try {
            recorded.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // logged below, where the future is consumed; the leftovers are killed regardless
        }
        run.process().kill();
        recorded.whenCompleteAsync((ok, failure) -> {
            if (failure != null) {
                log.error("{} - recording the run's end failed: {}", run.runId, failure.toString());
            }
            log.info("{} - run ended {} ({})", run.runId, end.status().dbName(), end.reason());
            supervisor.afterEnd(run, end);
        }, supervisor.endings());
    }

    private static Message.Init init(String runId, RunSpec spec, CcdHome home, ResumeFrom from) {
        RunConfig config = spec.config().withRunDir(home.run(runId).toString());
        return new Message.Init(Message.PROTOCOL_VERSION, runId, spec.name(),
                new TemplateSpec(spec.templateName(), spec.templateText()), spec.args(), config, from);
    }

    private static String newRunId() {
        return "r-" + LocalDateTime.now(ZoneOffset.UTC).format(RUN_ID_TIME) + "-"
                + String.format("%06x", ThreadLocalRandom.current().nextInt(0x1000000));
    }
}
