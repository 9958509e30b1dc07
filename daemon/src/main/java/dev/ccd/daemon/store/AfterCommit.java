package dev.ccd.daemon.store;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What follows a commit, kept off the writer thread so that no caller's code can hold up or
 * deadlock the writes: completing the callers' futures, and the after-commit hooks (the event
 * listeners).
 *
 * <p>Futures complete on a small {@link ForkJoinPool} of daemon threads ({@code ccd-store-done-N}),
 * one task per future. The stages a caller attaches therefore run there (or, attached after the
 * completion, on the attaching thread), never on the writer. A stage may wait on another store
 * future: {@code get()} and {@code join()} block a pool worker through
 * {@link ForkJoinPool#managedBlock}, the pool adds a spare worker, and that one completes the
 * future waited on, even one committed in the same batch. This is why it is neither one
 * completion thread nor one task per batch: there the future waited on would complete only after
 * the waiting stage returned, that is never. A stage that blocks by other means (a lock, a latch)
 * keeps its worker without a spare; the other workers go on. Only when the pool cannot take a
 * batch at all (no thread to be had) does the writer complete it itself: late, but not never.
 *
 * <p>Order: futures complete in no set order among themselves, but each only after its commit; as
 * batches commit in submission order, a completed future means that write and every write
 * submitted before it are committed.
 *
 * <p>Hooks run on one thread, {@code ccd-store-events}: batch after batch in commit order, a
 * batch's hooks in the order its writes registered them, so listeners hear of events in id order.
 * The queue in front of that thread is unbounded: a slow hook delays the later hooks, never a
 * commit or a future.
 *
 * <p>Threading: {@link #complete} and {@link #afterCommit} are called by the writer thread alone,
 * then {@link #shutdown} once, by it too; {@link #awaitDone} by any thread.
 */
final class AfterCommit {

    private static final Logger log = LoggerFactory.getLogger(AfterCommit.class);
    /** Workers the pool keeps busy at once; blocked ones get spares beside them. */
    private static final int PARALLELISM = 2;
    private static final Runnable STOP = () -> { };

    private final AtomicInteger workers = new AtomicInteger();
    private final ForkJoinPool completions;
    private final BlockingQueue<Runnable> hooks = new LinkedBlockingQueue<>();
    private final Thread hookThread;

    AfterCommit() {
        completions = new ForkJoinPool(PARALLELISM, pool -> {
            ForkJoinWorkerThread worker = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            worker.setName("ccd-store-done-" + workers.incrementAndGet());
            return worker;
        }, null, true);
        hookThread = new Thread(this::runHooks, "ccd-store-events");
        hookThread.setDaemon(true);
        hookThread.start();
    }

    /** Runs each of a batch's completions as a task of its own (see the class comment for why). */
    void complete(List<Runnable> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            // one hand-over per batch from the writer; the forks are cheap pushes on the worker
            completions.execute(() -> batch.forEach(completion -> ForkJoinTask.adapt(completion).fork()));
        } catch (RuntimeException | Error e) {
            // no thread to be had: completing here is better than leaving the callers waiting
            log.error("cannot hand {} futures to their threads; completing them on the writer thread", batch.size(), e);
            batch.forEach(Runnable::run);
        }
    }

    /** Queues a committed batch's hooks behind those of the batches committed before it. */
    void afterCommit(List<Runnable> batch) {
        if (!batch.isEmpty()) {
            hooks.add(() -> batch.forEach(AfterCommit::runHook));
        }
    }

    /** After the last {@link #complete} and {@link #afterCommit}: lets both finish what they hold. */
    void shutdown() {
        hooks.add(STOP);
        completions.shutdown();
    }

    /**
     * Waits, until {@code deadline} ({@link System#nanoTime()}), for what was handed over before
     * {@link #shutdown}; a thread of this class does not wait for itself.
     */
    void awaitDone(long deadline) throws InterruptedException {
        Thread current = Thread.currentThread();
        if (current != hookThread) {
            TimeUnit.NANOSECONDS.timedJoin(hookThread, deadline - System.nanoTime());
        }
        if (!(current instanceof ForkJoinWorkerThread worker && worker.getPool() == completions)) {
            completions.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
    }

    private void runHooks() {
        try {
            for (Runnable batch = hooks.take(); batch != STOP; batch = hooks.take()) {
                batch.run();
            }
        } catch (InterruptedException e) {
            log.error("the event thread was interrupted: listeners hear of no later event");
        }
    }

    private static void runHook(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            log.warn("an after-commit hook failed", e);
        } catch (Error e) {
            // the thread stays: ending it would silence every listener for good
            log.error("an after-commit hook failed", e);
        }
    }
}
