package dev.ccd.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reaches a program that {@code srun} runs as a Slurm job: through the scheduler, since its
 * processes live on a node where no local signal reaches. The local {@code srun} (and its tree)
 * is reached as any local process, and only after the job was told.
 * <ul>
 *   <li>SIGTERM: {@code scancel --signal=TERM} to the job's steps once it runs; a job still
 *       waiting is cancelled outright (there is nothing to signal);</li>
 *   <li>SIGKILL: {@code scancel --signal=KILL}, then {@code scancel} of the whole job, then
 *       SIGKILL to the local srun.</li>
 * </ul>
 * Jobs are named per start, so {@code --name} finds exactly this one without waiting for its id.
 *
 * <p>Threads: any. Asking the controller can take seconds when it is busy, so {@link #signal}
 * hands the work to one thread for every Slurm job ({@code ccd-slurm-signals}, in order) and
 * returns at once: the stop ladder's timer, shared with local processes, never waits on Slurm.
 */
final class SlurmJob implements ProcessSignals, ClusterJob {
    private static final long POLL_MS = 200;
    private static final ExecutorService SIGNALS = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "ccd-slurm-signals");
        thread.setDaemon(true);
        return thread;
    });

    private final Slurm slurm;
    private final String name;
    private final ProcessSignals local;

    SlurmJob(Slurm slurm, String name, ProcessSignals local) {
        this.slurm = slurm;
        this.name = name;
        this.local = local;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<JobState> state() {
        return slurm.job(name);
    }

    @Override
    public void remember() {
        local.remember();
    }

    @Override
    public void signal(boolean kill) {
        SIGNALS.execute(() -> send(kill));
    }

    private void send(boolean kill) {
        Optional<JobState> job = state();
        if (job.isPresent() && job.get().settled()) {
            // over: what is left is the local srun alone, if anything
            local.signal(kill);
            return;
        }
        if (kill) {
            slurm.cancel(name, "KILL");
            slurm.cancel(name, null);
            local.signal(true);
        } else if (job.isPresent() && !job.get().waiting()) {
            slurm.cancel(name, "TERM");
        } else {
            slurm.cancel(name, null);
        }
    }

    /** The local srun's survivors, and the job's id while the scheduler has not ended it. */
    @Override
    public List<Long> survivors(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        List<Long> left = local.survivors(max);
        while (true) {
            Optional<JobState> job = state();
            boolean gone = job.isEmpty() || job.get().settled();
            if (gone || System.nanoTime() >= deadline) {
                List<Long> all = new ArrayList<>(left);
                job.filter(j -> !j.settled()).ifPresent(j -> all.add(j.id()));
                return all;
            }
            Thread.sleep(POLL_MS);
        }
    }

    @Override
    public int seen() {
        return local.seen();
    }
}
