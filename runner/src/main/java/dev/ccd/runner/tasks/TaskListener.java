package dev.ccd.runner.tasks;

/**
 * Hears of tasks starting and ending; the runner turns these into {@code task_started} and
 * {@code task_done} protocol messages.
 *
 * <p>Called on any thread: {@link #started} on the thread that called {@link TaskManager#start},
 * before {@code start} returns; {@link #finished} on the task's own watcher thread, exactly once
 * per task, always after its {@code started}. Implementations must be quick and must not block
 * on the task manager's callers. An exception thrown here is logged and otherwise ignored: it
 * never loses a completion notice.
 */
public interface TaskListener {
    /** A listener that does nothing. */
    TaskListener NONE = new TaskListener() {
        @Override
        public void started(TaskSnapshot task) {
        }

        @Override
        public void finished(TaskSnapshot task) {
        }
    };

    void started(TaskSnapshot task);

    void finished(TaskSnapshot task);
}
