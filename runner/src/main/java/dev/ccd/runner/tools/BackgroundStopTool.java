package dev.ccd.runner.tools;

import dev.ccd.protocol.TaskStatus;
import dev.ccd.runner.tasks.StopResult;
import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tasks.TaskText;

/** {@code background_stop}: kills a task's whole process tree and confirms it is gone. */
final class BackgroundStopTool extends BaseTool {
    private final TaskManager tasks;

    BackgroundStopTool(TaskManager tasks) {
        super("background_stop",
                "Stops a background task: SIGTERM to its whole process tree, SIGKILL "
                        + TaskManager.STOP_GRACE.toSeconds() + " s later to what is left (at once with force=true), "
                        + "then confirms every process of it is gone.",
                InputSchema.object()
                        .required("task_id", "string", "The task's id, e.g. t1")
                        .optional("force", "boolean", "SIGKILL at once instead of SIGTERM first (default false)"),
                true);
        this.tasks = tasks;
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws InterruptedException {
        TaskSnapshot task = TaskTools.task(tasks, input);
        boolean force = input.optionalBoolean("force", false);
        StopResult result = tasks.stop(task.id(), force);
        TaskSnapshot now = result.task();
        if (result.alreadyEnded()) {
            return ToolResult.ok("task " + TaskTools.named(now) + " had already ended: " + TaskText.outcome(now)
                    + "; nothing to stop");
        }
        String tree = result.processes() == 1 ? "1 process" : result.processes() + " processes";
        if (!result.allGone()) {
            return ToolResult.error("tried to stop " + now.id() + ", but " + result.survivors().size() + " of the "
                    + tree + " of its tree are still alive (pids " + pids(result) + ")"
                    + (force ? "" : "; try again with force=true"));
        }
        if (now.status() != TaskStatus.STOPPED) {
            // Its timeout struck first: the tree is gone all the same.
            return ToolResult.ok(now.id() + " ended meanwhile (" + TaskText.outcome(now) + "); its process tree ("
                    + tree + ") is gone");
        }
        return ToolResult.ok("stopped " + now.id() + ": its process tree (" + tree + ") is gone");
    }

    private static String pids(StopResult result) {
        return String.join(", ", result.survivors().stream().limit(10).map(String::valueOf).toList())
                + (result.survivors().size() > 10 ? ", ..." : "");
    }
}
