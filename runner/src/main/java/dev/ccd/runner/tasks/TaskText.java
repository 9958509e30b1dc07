package dev.ccd.runner.tasks;

import dev.ccd.protocol.Excerpt;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/** How tasks read to the model: the same words in notices and in the background tools. */
public final class TaskText {
    /** Longest command shown; a long script is cut with an ellipsis. */
    static final int MAX_COMMAND_CHARS = 200;

    private TaskText() {
    }

    /**
     * One block per finished task, e.g. "Background task t3 (`make test`) completed: exit code 0
     * after 12.4 s. Last output:" and its last lines. Empty for no tasks.
     */
    public static String describeNotices(List<TaskSnapshot> finished) {
        StringBuilder text = new StringBuilder();
        for (TaskSnapshot task : finished) {
            if (text.length() > 0) {
                text.append("\n\n");
            }
            text.append("Background task ").append(task.id()).append(" (`").append(command(task.command()))
                    .append("`) ").append(outcome(task)).append('.');
            if (task.tail().isEmpty()) {
                text.append(" No output.");
            } else {
                text.append(" Last output:\n").append(task.tail());
            }
        }
        return text.toString();
    }

    /**
     * "running for 3.2 s", "completed: exit code 0 after 12.4 s", "failed: exit code 2 after 1 min
     * 3 s", "timeout: killed with its process tree after 60 s", "stopped after 5.0 s".
     */
    public static String outcome(TaskSnapshot task) {
        String after = duration(task.duration());
        return switch (task.status()) {
            case RUNNING -> "running for " + after;
            case COMPLETED, FAILED -> task.status().wireName() + ": exit code " + task.exitCode() + " after " + after;
            case TIMEOUT -> "timeout: killed with its process tree after " + after;
            case STOPPED -> "stopped after " + after;
        };
    }

    /** The command on one line, at most {@value #MAX_COMMAND_CHARS} characters. */
    public static String command(String command) {
        String line = command.strip().replace("\r", "").replace("\n", "; ");
        return Excerpt.abbreviate(line, MAX_COMMAND_CHARS);
    }

    /** "0.5 s", "12.4 s", "4 min 5 s", "2 h 3 min". */
    public static String duration(Duration duration) {
        long seconds = duration.getSeconds();
        if (seconds < 60) {
            return BigDecimal.valueOf(duration.toMillis(), 3).setScale(1, RoundingMode.HALF_UP).toPlainString() + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }

    /** A timeout as the model gave it: "3600", "0.5". */
    public static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
