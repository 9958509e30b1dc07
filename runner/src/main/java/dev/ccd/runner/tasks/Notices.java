package dev.ccd.runner.tasks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The completion notices not yet given to the model.
 *
 * <p>Threads: task watcher threads {@link #add}; the agent loop drains and waits. One lock guards
 * the list, so a drain takes everything added before it and nothing added after: a notice lands
 * in exactly one drain. Each task adds its notice once ({@link Task} guarantees it).
 */
final class Notices {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private final List<TaskSnapshot> pending = new ArrayList<>();

    void add(TaskSnapshot finished) {
        lock.lock();
        try {
            pending.add(finished);
            added.signalAll();
        } finally {
            lock.unlock();
        }
    }

    List<TaskSnapshot> drain() {
        lock.lock();
        try {
            List<TaskSnapshot> all = List.copyOf(pending);
            pending.clear();
            return all;
        } finally {
            lock.unlock();
        }
    }

    boolean any() {
        lock.lock();
        try {
            return !pending.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until a notice is pending or {@code max} has passed; returns whether one is. */
    boolean await(Duration max) throws InterruptedException {
        long nanos = nanos(max);
        lock.lockInterruptibly();
        try {
            while (pending.isEmpty() && nanos > 0) {
                nanos = added.awaitNanos(nanos);
            }
            return !pending.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** {@code duration} in nanoseconds, 0 when negative, saturated when too long to count. */
    static long nanos(Duration duration) {
        if (duration.isNegative()) {
            return 0;
        }
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
