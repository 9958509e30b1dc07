package dev.ccd.runner.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code list_files}: a directory's entries, optionally the whole tree, in name order. Files with
 * more than one hard link are listed like any other: their names are the workdir's own, and only
 * their contents are withheld, by the tools that read them ({@link TextFiles}).
 */
final class ListFilesTool extends BaseTool {
    static final int DEFAULT_MAX_ENTRIES = 1000;
    static final int LIMIT_MAX_ENTRIES = 100_000;

    ListFilesTool() {
        super("list_files",
                "Lists the entries of a directory in the working directory, paths relative to it, "
                        + "directories ending in '/'. recursive walks the tree (not into .git, not "
                        + "through symlinks). At most max_entries entries are listed.",
                InputSchema.object()
                        .optional("path", "string", "Directory to list (default: the working directory)")
                        .optional("recursive", "boolean", "List the whole tree below path (default false)")
                        .optional("max_entries", "integer", "Most entries to list (default 1000)"),
                false);
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException, InterruptedException {
        String path = input.optionalString("path", ".");
        boolean recursive = input.optionalBoolean("recursive", false);
        int maxEntries = input.optionalInt("max_entries", DEFAULT_MAX_ENTRIES, 1, LIMIT_MAX_ENTRIES);
        Workspace workspace = Workspace.of(context);
        Path dir = workspace.resolve(path);
        String shown = workspace.display(dir);
        if (!Files.isDirectory(dir)) {
            throw new ToolException(Files.exists(dir) ? shown + " is not a directory" : "no such directory: " + shown);
        }

        // Room under the output limit for the stop notice, so truncation never cuts it off.
        int budget = Math.max(0, context.maxOutputChars() - 120);
        StringBuilder out = new StringBuilder();
        int[] listed = {0};
        boolean complete = TreeWalker.walk(dir, recursive, new TreeWalker.Visitor() {
            @Override
            public boolean visit(Path entry, boolean directory) {
                // One past the limit tells "exactly max_entries" from "more than max_entries".
                if (listed[0] == maxEntries) {
                    return false;
                }
                listed[0]++;
                out.append(workspace.display(entry)).append(directory ? "/" : "").append('\n');
                return out.length() < budget;
            }

            @Override
            public boolean unreadable(Path directory, IOException e) {
                out.append(workspace.display(directory)).append("/ (unreadable: ").append(describe(e)).append(")\n");
                return true;
            }
        });
        if (listed[0] == 0) {
            return ToolResult.ok("(" + shown + " is empty)");
        }
        if (!complete) {
            out.append("[listing stopped after ").append(listed[0])
                    .append(" entries; list a subdirectory, or raise max_entries]\n");
        }
        return ToolResult.ok(out.toString());
    }
}
