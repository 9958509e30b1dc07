package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.store.Store;
import dev.ccd.process.ClusterJob;
import dev.ccd.process.JobState;
import dev.ccd.protocol.MessageCodec;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wait of one run's Slurm job for a node, and the scheduler's account of its end. While the
 * job waits, the run stays {@code starting}; every change of what the scheduler says (its id,
 * {@code PENDING (Resources)}, {@code RUNNING on node1}) is recorded on the run
 * ({@code placement_state}) with a {@code run_queued} or {@code run_placed} event. The handshake's
 * 5 s begin only once the job runs (the scheduler says so, or the runner's {@code ready} came).
 *
 * <p>Threads: one at a time; the control thread that started the run, then, if the job still
 * waits, a {@code run-end} thread. It asks the scheduler every {@link #POLL}, and less often (up
 * to {@link #POLL_MAX}) while nothing changes: a hundred queued runs must not flood the controller.
 */
final class JobWatch {
    private static final Logger log = LoggerFactory.getLogger(JobWatch.class);
    static final Duration POLL = Duration.ofMillis(500);
    static final Duration POLL_MAX = Duration.ofSeconds(5);
    /** How long the scheduler has, after the end of srun, to settle the job's state. */
    static final Duration END_SETTLE = Duration.ofSeconds(3);

    enum Outcome { RUNNING, WAITING, ENDED, TIMED_OUT }

    private final Store store;
    private final RunHandle run;
    private final ClusterJob job;
    private final long deadlineNanos;
    private final Duration timeout;
    private JobState last;
    private long pollMs = POLL.toMillis();
    /** The last write of what the scheduler said. */
    private CompletableFuture<Void> recorded = CompletableFuture.completedFuture(null);

    JobWatch(Store store, RunHandle run, ClusterJob job, Duration timeout) {
        this.store = store;
        this.run = run;
        this.job = job;
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    /**
     * Waits until the job runs, srun ends (the job was cancelled, refused or stopped), the
     * placement timeout passes, or {@code atMost} has passed with the job still waiting.
     */
    Outcome await(Duration atMost) throws InterruptedException {
        long until = Math.min(deadlineNanos, System.nanoTime() + atMost.toNanos());
        while (true) {
            Optional<JobState> now = job.state();
            boolean changed = now.isPresent() && !now.get().equals(last);
            now.ifPresent(this::record);
            pollMs = changed ? POLL.toMillis() : Math.min(pollMs * 2, POLL_MAX.toMillis());
            if (run.ready.isDone() && !run.ready.isCompletedExceptionally()) {
                return Outcome.RUNNING;
            }
            if (!run.process().isAlive()) {
                return Outcome.ENDED;
            }
            if (now.isPresent() && !now.get().waiting()) {
                return now.get().over() ? Outcome.ENDED : Outcome.RUNNING;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                return Outcome.TIMED_OUT;
            }
            if (System.nanoTime() - until >= 0) {
                return Outcome.WAITING;
            }
            // woken early by the runner's ready (it runs) or by its end (ready fails then)
            long waitMs = Math.min(pollMs, Math.max(1, (Math.min(until, deadlineNanos) - System.nanoTime()) / 1_000_000));
            try {
                run.ready.get(waitMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // ended, or not yet: the next look at the scheduler says which
            }
        }
    }

    /** Completes once what the scheduler said so far is committed. */
    CompletableFuture<Void> recorded() {
        return recorded;
    }

    /** Why the start failed at the placement timeout, in the scheduler's words. */
    String timedOut() {
        return "its Slurm job " + (last == null ? "" : last.id() + " ") + "was still "
                + (last == null ? "not known to the scheduler" : last.describe()) + " after the placement timeout of "
                + timeout.toSeconds() + " s: cancelled";
    }

    /**
     * After srun has ended, before the run's end is decided: the scheduler's account of the job
     * goes on the run; a job the scheduler never knew, ended before any {@code ready} (srun
     * refused it: a partition that does not exist, a request over a limit), is a failed start
     * with srun's own words, not a crash to restart.
     */
    static void accountForEnd(Store store, RunHandle run, ClusterJob job) {
        try {
            String account = endAccount(store, run, job);
            run.schedulerAccount(account);
            if (account == null && !run.ready.isDone()) {
                String said = RunEnd.stderrTail(run.stderrLog).lines().filter(l -> l.startsWith("srun: error"))
                        .reduce((first, second) -> second).orElse("srun ended before the scheduler had the job");
                run.placementFailed("Slurm did not take the job: " + said);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * After srun has ended: the scheduler's account of the job (waiting up to {@link #END_SETTLE}
     * for it to settle), recorded on the run.
     *
     * @return e.g. {@code Slurm job 42 CANCELLED on node1}; null when the scheduler does not say
     */
    private static String endAccount(Store store, RunHandle run, ClusterJob job) throws InterruptedException {
        long until = System.nanoTime() + END_SETTLE.toNanos();
        Optional<JobState> state = job.state();
        while ((state.isEmpty() || !state.get().settled()) && System.nanoTime() - until < 0) {
            Thread.sleep(POLL.toMillis() / 2);
            state = job.state();
        }
        if (state.isEmpty()) {
            return null;
        }
        store.setPlacement(run.runId, state.get().id(), state.get().describe(), null, null);
        return "Slurm job " + state.get().id() + " " + state.get().describe();
    }

    private void record(JobState now) {
        if (now.equals(last)) {
            return;
        }
        last = now;
        boolean running = !now.waiting() && !now.over();
        String kind = now.waiting() ? "run_queued" : running ? "run_placed" : null;
        recorded = store.setPlacement(run.runId, now.id(), now.describe(), kind, MessageCodec.mapper().createObjectNode()
                .put("slurm_job_id", now.id()).put("state", now.state()).put("reason", now.reason())
                .put("nodes", now.nodes()));
        log.info("{} - Slurm job {} {}", run.runId, now.id(), now.describe());
    }
}
