package dev.ccd.runner.tasks;

import java.util.List;

/**
 * What stopping a task did.
 *
 * @param task         the task after the stop (or as it had ended)
 * @param alreadyEnded the task had ended before the stop; nothing was signalled
 * @param processes    how many processes of its tree were signalled
 * @param survivors    pids of its tree still alive when the stop gave up waiting; empty when all
 *                     are gone
 */
public record StopResult(TaskSnapshot task, boolean alreadyEnded, int processes, List<Long> survivors) {
    public StopResult {
        if (task == null) {
            throw new IllegalArgumentException("task is required");
        }
        survivors = List.copyOf(survivors);
    }

    public boolean allGone() {
        return survivors.isEmpty();
    }
}
