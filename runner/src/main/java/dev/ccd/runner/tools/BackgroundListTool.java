package dev.ccd.runner.tools;

import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tasks.TaskText;
import java.util.List;

/** {@code background_list}: every background task of the run, one line each. */
final class BackgroundListTool extends BaseTool {
    private final TaskManager tasks;

    BackgroundListTool(TaskManager tasks) {
        super("background_list",
                "Lists this run's background tasks: id, status (running, completed, failed, timeout, stopped), "
                        + "exit code, duration and command.",
                InputSchema.object(), false);
        this.tasks = tasks;
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) {
        List<TaskSnapshot> all = tasks.list();
        if (all.isEmpty()) {
            return ToolResult.ok("no background tasks have been started");
        }
        long running = all.stream().filter(TaskSnapshot::running).count();
        StringBuilder text = new StringBuilder()
                .append(all.size()).append(all.size() == 1 ? " task, " : " tasks, ").append(running).append(" running:");
        for (TaskSnapshot task : all) {
            text.append('\n').append(task.id()).append(' ').append(task.status().wireName());
            if (task.exitCode() != null) {
                text.append(" (exit ").append(task.exitCode()).append(')');
            }
            text.append(", ").append(TaskText.duration(task.duration())).append(": ")
                    .append(TaskText.command(task.command()));
        }
        return ToolResult.ok(text.toString());
    }
}
