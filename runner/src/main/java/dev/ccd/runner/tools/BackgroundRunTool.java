package dev.ccd.runner.tools;

import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskRejectedException;
import dev.ccd.runner.tasks.TaskSettings;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tasks.TaskText;
import java.io.IOException;
import java.time.Duration;

/** {@code background_run}: starts a command as a background task and returns its id at once. */
final class BackgroundRunTool extends BaseTool {
    private final TaskManager tasks;

    BackgroundRunTool(TaskManager tasks) {
        super("background_run", description(tasks.settings()),
                InputSchema.object()
                        .required("command", "string", "The bash command line to run in the background")
                        .optional("timeout_s", "number", "Timeout in seconds (default "
                                + TaskText.seconds(tasks.settings().defaultTimeout()) + ", at most "
                                + TaskText.seconds(tasks.settings().maxTimeout()) + ")"),
                true);
        this.tasks = tasks;
    }

    private static String description(TaskSettings settings) {
        return "Starts a slow command (build, test suite, server, download) in the background with bash -c in "
                + "the working directory and returns its task id at once; stdin is empty, stderr is merged into "
                + "stdout. When it finishes you are told automatically, with its exit code and last output lines: "
                + "keep working meanwhile, no need to poll. Its output goes to a log capped at "
                + settings.outputCapBytes() / (1024 * 1024) + " MiB; at its timeout its whole process tree is "
                + "killed. At most " + settings.maxRunning() + " tasks run at once.";
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException {
        String command = input.requiredString("command");
        if (command.isBlank()) {
            throw new ToolException("field 'command' must not be empty");
        }
        TaskSettings settings = tasks.settings();
        Duration timeout = TaskTools.seconds(input, "timeout_s", settings.defaultTimeout(), settings.maxTimeout());
        TaskSnapshot task;
        try {
            task = tasks.start(command, timeout);
        } catch (TaskRejectedException e) {
            throw new ToolException(e.getMessage());
        } catch (IOException e) {
            throw new ToolException("could not start the task: " + describe(e));
        }
        return ToolResult.ok("started task " + task.id() + ": " + TaskText.command(command) + " (timeout "
                + TaskText.seconds(timeout) + " s); you will be told when it finishes — keep working, no need to poll");
    }
}
