package dev.ccd.runner.tools;

import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tasks.TaskText;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The background tools over one run's {@link TaskManager}: {@code background_run}, {@code
 * background_list}, {@code background_output}, {@code background_stop}. What they share lives
 * here: finding a task by id and reading a timeout in seconds.
 */
public final class TaskTools {
    private TaskTools() {
    }

    public static List<Tool> all(TaskManager tasks) {
        return List.of(new BackgroundRunTool(tasks), new BackgroundListTool(tasks), new BackgroundOutputTool(tasks),
                new BackgroundStopTool(tasks));
    }

    /** The task named by the required {@code task_id} field; an unknown id names the known ones. */
    static TaskSnapshot task(TaskManager tasks, ToolInput input) {
        String id = input.requiredString("task_id");
        return tasks.get(id).orElseThrow(() -> {
            List<String> known = tasks.list().stream().map(TaskSnapshot::id).toList();
            return new ToolException("unknown task '" + id + "'; "
                    + (known.isEmpty() ? "no background tasks have been started" : "known tasks: " + String.join(", ", known)));
        });
    }

    /** A duration in seconds from {@code field}: {@code otherwise} when absent, else in (0, max]. */
    static Duration seconds(ToolInput input, String field, Duration otherwise, Duration max) {
        OptionalDouble given = input.optionalNumber(field);
        if (given.isEmpty()) {
            return otherwise;
        }
        double seconds = given.getAsDouble();
        if (!(seconds > 0) || seconds > max.toMillis() / 1000.0) {
            throw new ToolException("field '" + field + "' must be > 0 and <= " + TaskText.seconds(max)
                    + " (seconds), got " + BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString());
        }
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    }

    /** "t1 (`make test`)". */
    static String named(TaskSnapshot task) {
        return task.id() + " (`" + TaskText.command(task.command()) + "`)";
    }
}
