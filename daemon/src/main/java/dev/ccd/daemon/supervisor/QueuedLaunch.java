package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.process.ClusterJob;
import dev.ccd.protocol.Message;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of a run whose runner is a cluster job ({@link ClusterJob}): {@link RunLaunch} has
 * forked srun; here the job's wait for a node is watched ({@link JobWatch}), then the handshake
 * of {@link RunLaunch} follows as for a local runner, or the start fails at the placement timeout.
 *
 * <p>Threads: {@link #start} runs on the control thread of the start; a job still waiting after
 * {@link #QUEUE_ANSWER} goes on being watched on the {@code run-end} pool.
 */
final class QueuedLaunch {
    private static final Logger log = LoggerFactory.getLogger(QueuedLaunch.class);
    /** What a pipe surely holds without a reader (Linux gives 64 KiB). */
    static final int PIPE_BUFFER_BYTES = 16 * 1024;
    /** How long a start of a cluster job waits to hear that it runs before it answers that it waits. */
    static final Duration QUEUE_ANSWER = Duration.ofSeconds(3);

    private final RunLaunch launch;
    private final Store store;
    private final Supervisor supervisor;

    QueuedLaunch(RunLaunch launch, Store store, Supervisor supervisor) {
        this.launch = launch;
        this.store = store;
        this.supervisor = supervisor;
    }

    /**
     * A run whose runner is a cluster job: the handshake begins once the job runs. A job that
     * still waits after {@link #QUEUE_ANSWER} leaves the start answered ({@code starting}, with
     * the scheduler's reason on the row) and goes on waiting on the {@code run-end} pool.
     */
    RunRow start(RunHandle run, Message.Init init, int initBytes, RunHandle.PendingStop early, ClusterJob job)
            throws SupervisorException {
        if (early != null || supervisor.isShuttingDown()) {
            // nothing ran yet: no message to send, the job is cancelled
            run.beginStop(early != null ? early.reason() : "daemon stopping", Supervisor.KILL_AFTER);
            run.process().kill();
            throw launch.failure(run, "stopped before its Slurm job ran");
        }
        // init waits in srun's stdin until the job runs, so the runner has it the moment it starts
        // (it waits 5 s for it), whenever the scheduler's state is next looked at; one larger than
        // a pipe's buffer is written from the run-end pool, where blocking until then is harmless
        if (initBytes <= PIPE_BUFFER_BYTES) {
            run.pipe().send(init);
        } else {
            supervisor.endings().execute(() -> run.pipe().send(init));
        }
        JobWatch watch = new JobWatch(store, run, job, run.spec.placement().queueTimeout());
        JobWatch.Outcome first = awaitJob(run, watch, QUEUE_ANSWER);
        if (first != JobWatch.Outcome.WAITING) {
            return placed(run, watch, first);
        }
        supervisor.endings().execute(() -> {
            try {
                placed(run, watch, awaitJob(run, watch, run.spec.placement().queueTimeout()));
            } catch (SupervisorException e) {
                log.info("{} - {}", run.runId, e.getMessage());
            }
        });
        try {
            // what the scheduler said is committed before the row is read
            watch.recorded().get(RunLaunch.RECORD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("{} - recording the job's state: {}", run.runId, e.toString());
        }
        try {
            return store.run(run.runId).orElseThrow();
        } catch (SQLException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, e.getMessage());
        }
    }

    private static JobWatch.Outcome awaitJob(RunHandle run, JobWatch watch, Duration atMost) {
        try {
            return watch.await(atMost);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.process().kill();
            return JobWatch.Outcome.ENDED;
        }
    }

    private RunRow placed(RunHandle run, JobWatch watch, JobWatch.Outcome outcome)
            throws SupervisorException {
        switch (outcome) {
            case RUNNING -> {
                return launch.handshake(run, null, null);
            }
            case TIMED_OUT, WAITING -> {
                String why = watch.timedOut();
                log.warn("{} - {}", run.runId, why);
                run.placementFailed(why);
                run.ready.completeExceptionally(new IllegalStateException(why));
                run.process().kill();
                throw launch.failure(run, why);
            }
            default -> throw launch.failure(run, "its Slurm job ended before the runner started");
        }
    }
}
