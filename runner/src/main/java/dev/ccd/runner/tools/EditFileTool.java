package dev.ccd.runner.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code edit_file}: replaces exact text in a file. The text must occur exactly once unless
 * {@code replace_all}, so an edit never lands somewhere the model did not mean.
 */
final class EditFileTool extends BaseTool {

    EditFileTool() {
        super("edit_file",
                "Replaces old_text with new_text in a UTF-8 file in the working directory. old_text "
                        + "must match exactly (whitespace included) and occur exactly once, unless "
                        + "replace_all is true.",
                InputSchema.object()
                        .required("path", "string", "File path, relative to the working directory or absolute")
                        .required("old_text", "string", "The exact text to replace")
                        .required("new_text", "string", "The text to put in its place")
                        .optional("replace_all", "boolean", "Replace every occurrence (default false)"),
                true);
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException {
        String path = input.requiredString("path");
        String oldText = input.requiredString("old_text");
        String newText = input.requiredString("new_text");
        boolean replaceAll = input.optionalBoolean("replace_all", false);
        if (oldText.isEmpty()) {
            throw new ToolException("field 'old_text' must not be empty");
        }
        Workspace workspace = Workspace.of(context);
        Path file = workspace.resolve(path);
        String shown = workspace.display(file);
        TextFiles.requireRegularFile(file, shown);
        String text = TextFiles.readWhole(file, path, shown);

        int found = count(text, oldText);
        if (found == 0) {
            throw new ToolException("old_text was not found in " + shown
                    + " (0 occurrences); read the file and copy the text exactly");
        }
        if (found > 1 && !replaceAll) {
            throw new ToolException("old_text occurs " + found + " times in " + shown
                    + "; include more surrounding text to make it unique, or set replace_all");
        }
        String edited = replaceAll
                ? text.replace(oldText, newText)
                : text.substring(0, text.indexOf(oldText)) + newText
                        + text.substring(text.indexOf(oldText) + oldText.length());
        TextFiles.replace(file, path, edited.getBytes(StandardCharsets.UTF_8));
        return ToolResult.ok("replaced " + found + (found == 1 ? " occurrence" : " occurrences")
                + " in " + shown);
    }

    /** Non-overlapping occurrences, as {@link String#replace} counts them. */
    private static int count(String text, String part) {
        int found = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            found++;
        }
        return found;
    }
}
