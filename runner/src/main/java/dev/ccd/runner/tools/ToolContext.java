package dev.ccd.runner.tools;

import dev.ccd.process.Launcher;
import dev.ccd.process.LocalLauncher;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a tool call may use.
 *
 * @param workdir        the run's working directory (absolute, real path): file tools are
 *                       confined to it and commands start in it
 * @param maxOutputChars a tool result longer than this is truncated with a notice
 * @param defaultTimeout a command's timeout when the model gives none
 * @param maxTimeout     the largest timeout a model may ask for
 * @param launcher       starts the processes of tool calls
 */
public record ToolContext(Path workdir, int maxOutputChars, Duration defaultTimeout, Duration maxTimeout,
        Launcher launcher) {
    public static final int DEFAULT_MAX_OUTPUT_CHARS = 30_000;

    public ToolContext {
        if (workdir == null || !workdir.isAbsolute()) {
            throw new IllegalArgumentException("workdir must be an absolute path, got " + workdir);
        }
        if (maxOutputChars < 100) {
            throw new IllegalArgumentException("maxOutputChars must be >= 100, got " + maxOutputChars);
        }
        if (launcher == null) {
            throw new IllegalArgumentException("a launcher is required");
        }
    }

    /** Tool processes forked on this machine. */
    public ToolContext(Path workdir, int maxOutputChars, Duration defaultTimeout, Duration maxTimeout) {
        this(workdir, maxOutputChars, defaultTimeout, maxTimeout, LocalLauncher.instance());
    }

    public static ToolContext defaults(Path workdir) {
        return new ToolContext(workdir, DEFAULT_MAX_OUTPUT_CHARS, Duration.ofSeconds(120), Duration.ofSeconds(600));
    }
}
