package dev.ccd.runner.tools;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/**
 * {@code bash}: runs a shell command in the working directory with a timeout. The result is the
 * command's output then its exit code; a non-zero exit or a timeout is an error result.
 */
final class BashTool extends BaseTool {
    /** Room under the output limit for the lines this tool adds after the output. */
    private static final int TRAILER_RESERVE = 200;

    BashTool() {
        super("bash",
                "Runs a command with bash -c in the working directory; stdin is empty, stderr is "
                        + "merged into stdout. Returns the output and the exit code; long output is "
                        + "truncated in the middle. On timeout the whole process tree is killed.",
                InputSchema.object()
                        .required("command", "string", "The bash command line to run")
                        .optional("timeout_s", "number", "Timeout in seconds (default 120, at most 600)"),
                true);
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException, InterruptedException {
        String command = input.requiredString("command");
        Duration timeout = timeout(input.optionalNumber("timeout_s"), context);
        int outputChars = Math.max(0, context.maxOutputChars() - TRAILER_RESERVE);
        ProcessRun.Outcome outcome;
        try {
            outcome = ProcessRun.run(context.launcher(), List.of("bash", "-c", command), context.workdir(), timeout, outputChars);
        } catch (IOException e) {
            throw new ToolException("could not start bash: " + describe(e));
        }

        StringBuilder content = new StringBuilder(outcome.output());
        if (content.length() > 0 && content.charAt(content.length() - 1) != '\n') {
            content.append('\n');
        }
        if (outcome.timedOut()) {
            content.append("timed out after ").append(seconds(timeout)).append(" s; ")
                    .append(outcome.treeGone()
                            ? "process tree killed"
                            : "tried to kill the process tree, but some processes did not exit");
            return ToolResult.error(content.toString());
        }
        int exitCode = outcome.exitCode().getAsInt();
        content.append("exit code: ").append(exitCode);
        if (outcome.outputLeftOpen()) {
            content.append("\n(processes the command started in the background still hold its output "
                    + "open; their later output is not shown)");
        }
        return new ToolResult(content.toString(), exitCode != 0);
    }

    private static Duration timeout(OptionalDouble given, ToolContext context) {
        if (given.isEmpty()) {
            return context.defaultTimeout();
        }
        double secondsGiven = given.getAsDouble();
        double max = context.maxTimeout().toMillis() / 1000.0;
        if (!(secondsGiven > 0) || secondsGiven > max) {
            throw new ToolException("field 'timeout_s' must be > 0 and <= " + seconds(context.maxTimeout())
                    + " (seconds), got " + BigDecimal.valueOf(secondsGiven).stripTrailingZeros().toPlainString());
        }
        return Duration.ofMillis(Math.max(1, Math.round(secondsGiven * 1000)));
    }

    /** 120 for two minutes, 0.5 for half a second. */
    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
