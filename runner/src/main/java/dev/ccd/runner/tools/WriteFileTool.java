package dev.ccd.runner.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code write_file}: creates or replaces a file, creating its parent directories. An existing
 * file is replaced by a new one renamed over it, never written in place, and one with other hard
 * links is refused ({@link TextFiles#replace}).
 */
final class WriteFileTool extends BaseTool {

    WriteFileTool() {
        super("write_file",
                "Writes content (UTF-8) to a file in the working directory, replacing it if it exists "
                        + "and creating missing parent directories.",
                InputSchema.object()
                        .required("path", "string", "File path, relative to the working directory or absolute")
                        .required("content", "string", "The complete new content of the file"),
                true);
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException {
        String path = input.requiredString("path");
        String content = input.requiredString("content");
        Workspace workspace = Workspace.of(context);
        Path file = workspace.resolve(path);
        String shown = workspace.display(file);
        if (Files.isDirectory(file)) {
            throw new ToolException(shown + " is a directory");
        }
        // The resolved path is inside the workdir, so its missing parents are too.
        Files.createDirectories(file.getParent());
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TextFiles.replace(file, path, bytes);
        return ToolResult.ok("wrote " + bytes.length + " bytes to " + shown);
    }
}
