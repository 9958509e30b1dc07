package dev.ccd.runner.tools;

import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskOutput;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tasks.TaskText;
import java.time.Duration;

/**
 * {@code background_output}: a task's status and the end of its output; optionally waits for it
 * to end first.
 */
final class BackgroundOutputTool extends BaseTool {
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);
    static final Duration MAX_WAIT = Duration.ofSeconds(600);

    private final TaskManager tasks;

    BackgroundOutputTool(TaskManager tasks) {
        super("background_output",
                "Shows a background task's status and its output so far (the last "
                        + TaskManager.OUTPUT_CHARS + " characters of its log). With block=true, first waits until "
                        + "the task ends or timeout_s passes. You are told when a task ends anyway, so use this "
                        + "to look at output, not to poll.",
                InputSchema.object()
                        .required("task_id", "string", "The task's id, e.g. t1")
                        .optional("block", "boolean", "Wait for the task to end first (default false)")
                        .optional("timeout_s", "number", "With block: the longest wait in seconds (default "
                                + DEFAULT_WAIT.toSeconds() + ", at most " + MAX_WAIT.toSeconds() + ")"),
                false);
        this.tasks = tasks;
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws InterruptedException {
        TaskSnapshot task = TaskTools.task(tasks, input);
        boolean block = input.optionalBoolean("block", false);
        Duration wait = TaskTools.seconds(input, "timeout_s", DEFAULT_WAIT, MAX_WAIT);
        TaskOutput output = tasks.output(task.id(), block, wait);

        StringBuilder text = new StringBuilder("task ").append(TaskTools.named(output.task())).append(": ")
                .append(TaskText.outcome(output.task())).append('\n');
        if (block) {
            text.append(output.finished()
                    ? "finished: " + output.task().status().wireName()
                    : "still running after " + TaskText.seconds(wait) + " s of waiting").append('\n');
        }
        if (output.text().isEmpty()) {
            text.append(output.finished() ? "(no output)" : "(no output yet)");
        } else {
            text.append("output (log ").append(output.task().outputPath()).append("):\n").append(output.text());
        }
        return ToolResult.ok(text.toString());
    }
}
