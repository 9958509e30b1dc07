package dev.ccd.runner.tasks;

/**
 * A task's output so far.
 *
 * @param task            the task when the output was read
 * @param text            the end of its log (bounded, with a notice when cut), possibly empty
 * @param finished        the task had ended when the output was read
 * @param timedOutWaiting a blocking read gave up waiting while the task still ran
 */
public record TaskOutput(TaskSnapshot task, String text, boolean finished, boolean timedOutWaiting) {
    public TaskOutput {
        if (task == null || text == null) {
            throw new IllegalArgumentException("task and text are required");
        }
        if (finished && timedOutWaiting) {
            throw new IllegalArgumentException("a finished task cannot have timed out waiting");
        }
    }
}
