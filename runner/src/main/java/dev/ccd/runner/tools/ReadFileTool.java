package dev.ccd.runner.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code read_file}: a text file, whole or a range of lines. The file is streamed through a
 * {@link HeadTailBuffer}, so a huge file costs time but not memory.
 */
final class ReadFileTool extends BaseTool {
    private static final String HINT = "\n[use offset and limit to read the omitted lines]";

    ReadFileTool() {
        super("read_file",
                "Reads a text file in the working directory. offset (1-based line) and limit (lines) "
                        + "select a range; long output is truncated with a notice. Invalid UTF-8 is "
                        + "shown as U+FFFD.",
                InputSchema.object()
                        .required("path", "string", "File path, relative to the working directory or absolute")
                        .optional("offset", "integer", "First line to return, 1-based (default 1)")
                        .optional("limit", "integer", "Number of lines to return (default: to the end)"),
                false);
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException, InterruptedException {
        String path = input.requiredString("path");
        int offset = input.optionalInt("offset", 1, 1, Integer.MAX_VALUE);
        int limit = input.optionalInt("limit", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        Workspace workspace = Workspace.of(context);
        Path file = workspace.resolve(path);
        String shown = workspace.display(file);
        TextFiles.requireRegularFile(file, shown);

        HeadTailBuffer text = HeadTailBuffer.forLimit(context.maxOutputChars() - HINT.length());
        long lines = copyLines(file, path, offset, limit, text);
        if (text.total() == 0) {
            if (offset > 1 && lines < offset) {
                throw new ToolException("offset " + offset + " is past the end of " + shown
                        + " (" + lines + " lines)");
            }
            return ToolResult.ok("(" + shown + " is empty)");
        }
        return ToolResult.ok(text.truncated() ? text.render() + HINT : text.render());
    }

    /**
     * Appends lines {@code offset .. offset+limit-1} (terminators kept) to {@code into}.
     *
     * @return the number of lines seen, counting a last line without a terminator
     */
    private static long copyLines(Path file, String named, long offset, long limit, HeadTailBuffer into)
            throws IOException, InterruptedException {
        long last = offset + limit - 1;
        long line = 1;
        boolean lineHasText = false;
        char[] buf = new char[8192];
        try (BufferedReader reader = TextFiles.lenientReader(file, named)) {
            int n;
            while (line <= last && (n = reader.read(buf)) > 0) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("read_file interrupted");
                }
                int start = 0;
                for (int i = 0; i < n && line <= last; i++) {
                    if (buf[i] == '\n') {
                        if (line >= offset) {
                            into.append(buf, start, i + 1 - start);
                        }
                        line++;
                        start = i + 1;
                        lineHasText = false;
                    } else {
                        lineHasText = true;
                    }
                }
                if (line >= offset && line <= last && start < n) {
                    into.append(buf, start, n - start);
                }
            }
        }
        return lineHasText ? line : line - 1;
    }
}
