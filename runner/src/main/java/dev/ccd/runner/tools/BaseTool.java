package dev.ccd.runner.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What every built-in tool shares: its fixed description and schema, strict input reading, and
 * the promise of {@link Tool#run} that only {@link InterruptedException} leaves it. Failures a
 * tool expects ({@link ToolException}, {@link IOException}) become error results prefixed with
 * the tool's name; every result is held to {@link ToolContext#maxOutputChars()}.
 */
abstract class BaseTool implements Tool {
    private final String name;
    private final String description;
    private final ObjectNode schema;
    private final boolean mutating;

    BaseTool(String name, String description, InputSchema schema, boolean mutating) {
        this.name = name;
        this.description = description;
        this.schema = schema.build();
        this.mutating = mutating;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    /** A copy: callers (a provider adding its own keys, say) cannot change the tool's schema. */
    @Override
    public final ObjectNode inputSchema() {
        return schema.deepCopy();
    }

    @Override
    public final boolean mutating() {
        return mutating;
    }

    @Override
    public final ToolResult run(JsonNode input, ToolContext context) throws InterruptedException {
        ToolResult result;
        try {
            result = execute(new ToolInput(input, schema), context);
        } catch (ToolException e) {
            result = ToolResult.error(name + ": " + e.getMessage());
        } catch (IOException e) {
            result = ToolResult.error(name + ": " + describe(e));
        } catch (UncheckedIOException e) {
            result = ToolResult.error(name + ": " + describe(e.getCause()));
        }
        return new ToolResult(Truncation.limit(result.content(), context.maxOutputChars()), result.isError());
    }

    /** Does the call. Throws {@link ToolException} for a call that cannot be done as asked. */
    abstract ToolResult execute(ToolInput input, ToolContext context) throws IOException, InterruptedException;

    /** An I/O failure in words a model can act on; Java's own messages are often just a path. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fs) {
            String file = fs.getFile();
            if (e instanceof NoSuchFileException) {
                return "no such file or directory: " + file;
            }
            if (e instanceof AccessDeniedException) {
                return "permission denied: " + file;
            }
            if (e instanceof NotDirectoryException) {
                return "not a directory: " + file;
            }
            if (e instanceof FileAlreadyExistsException) {
                return "already exists: " + file;
            }
            if (e instanceof DirectoryNotEmptyException) {
                return "directory not empty: " + file;
            }
            return file + ": " + (fs.getReason() == null ? e.getClass().getSimpleName() : fs.getReason());
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
