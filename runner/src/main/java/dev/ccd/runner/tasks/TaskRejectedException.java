package dev.ccd.runner.tasks;

/**
 * A task {@link TaskManager#start} refused to start: too many are running, or the run is ending.
 * The message is written for the model: why, and what it can do instead.
 */
public final class TaskRejectedException extends RuntimeException {
    public TaskRejectedException(String message) {
        super(message);
    }
}
