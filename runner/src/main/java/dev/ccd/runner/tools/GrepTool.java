package dev.ccd.runner.tools;

import dev.ccd.protocol.Excerpt;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code grep}: lines matching a Java regex, as {@code path:line:text}. Binary files (a NUL in
 * the first 8 KiB) and files over 10 MiB are skipped, as are {@code .git} and symlinks. Files
 * with more than one hard link are skipped too, since one may be a file outside the workdir
 * ({@link TextFiles}); a closing note counts them and names the first few, so the model knows
 * the search was not complete.
 */
final class GrepTool extends BaseTool {
    static final int MAX_MATCHES = 500;
    /** A minified file's one line would otherwise fill the whole result. */
    static final int MAX_LINE_CHARS = 400;
    /** How many skipped multiply-linked files the closing note names. */
    static final int MAX_LINKED_NAMED = 5;

    GrepTool() {
        super("grep",
                "Searches files under a path in the working directory for lines matching a Java "
                        + "regular expression; prints path:line:text. Skips .git, binary files, files "
                        + "with more than one hard link and files over 10 MiB. glob (e.g. *.py) filters "
                        + "file names. At most 500 matches.",
                InputSchema.object()
                        .required("pattern", "string", "Java regular expression, e.g. \"def \\\\w+\\\\(\"")
                        .optional("path", "string", "File or directory to search (default: the working directory)")
                        .optional("glob", "string", "Only files whose name matches, e.g. *.py; with a '/', "
                                + "matched against the path relative to the working directory"),
                false);
    }

    @Override
    ToolResult execute(ToolInput input, ToolContext context) throws IOException, InterruptedException {
        String regex = input.requiredString("pattern");
        String path = input.optionalString("path", ".");
        String glob = input.optionalString("glob", null);
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ToolException("invalid regex: " + e.getDescription() + " near index " + e.getIndex()
                    + " in " + e.getPattern());
        }
        PathMatcher matcher = null;
        if (glob != null) {
            try {
                matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            } catch (IllegalArgumentException e) {
                throw new ToolException("invalid glob " + glob + ": " + e.getMessage());
            }
        }
        Workspace workspace = Workspace.of(context);
        Path start = workspace.resolve(path);
        Search search = new Search(workspace, pattern, matcher, glob != null && glob.contains("/"),
                Math.max(0, context.maxOutputChars() - 120));
        if (Files.isDirectory(start)) {
            TreeWalker.walk(start, true, (entry, directory) -> directory || search.file(entry));
        } else if (Files.isRegularFile(start)) {
            search.file(start);
        } else {
            throw new ToolException("no such file or directory: " + workspace.display(start));
        }
        return ToolResult.ok(search.result());
    }

    /** One call's search state; lives on the calling thread only. */
    private static final class Search {
        private final Workspace workspace;
        private final Pattern pattern;
        private final PathMatcher glob;
        private final boolean globOnPath;
        private final int budget;
        private final StringBuilder out = new StringBuilder();
        private int matches;
        private boolean stopped;
        /** The first {@link #MAX_LINKED_NAMED} multiply-linked files skipped, and how many in all. */
        private final List<String> linkedNamed = new ArrayList<>();
        private int linked;

        Search(Workspace workspace, Pattern pattern, PathMatcher glob, boolean globOnPath, int budget) {
            this.workspace = workspace;
            this.pattern = pattern;
            this.glob = glob;
            this.globOnPath = globOnPath;
            this.budget = budget;
        }

        /** Searches one file; false once the limits are reached, to end the walk. */
        boolean file(Path file) {
            String shown = workspace.display(file);
            if (glob != null && !glob.matches(globOnPath ? Path.of(shown) : file.getFileName())) {
                return true;
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
            try {
                if (TextFiles.linkCount(file) > 1) {
                    if (linked++ < MAX_LINKED_NAMED) {
                        linkedNamed.add(shown);
                    }
                    return true;
                }
                if (Files.size(file) > TextFiles.MAX_WHOLE_FILE_BYTES || TextFiles.looksBinary(file, shown)) {
                    return true;
                }
                return searchLines(file, shown);
            } catch (IOException e) {
                // A file that vanished or cannot be read is not worth failing the whole search for.
                out.append(shown).append(": skipped (").append(describe(e)).append(")\n");
                return true;
            } catch (ToolException e) {
                // TextFiles refused the open: the file changed under the checks, or links are uncountable.
                out.append(shown).append(": skipped (").append(e.getMessage()).append(")\n");
                return true;
            }
        }

        private boolean searchLines(Path file, String shown) throws IOException {
            Matcher matcher = pattern.matcher("");
            try (BufferedReader reader = TextFiles.lenientReader(file, shown)) {
                String line;
                for (long number = 1; (line = reader.readLine()) != null; number++) {
                    if (!matcher.reset(line).find()) {
                        continue;
                    }
                    if (matches == MAX_MATCHES || out.length() >= budget) {
                        stopped = true;
                        return false;
                    }
                    matches++;
                    String shownLine = Excerpt.abbreviate(line, MAX_LINE_CHARS);
                    out.append(shown).append(':').append(number).append(':').append(shownLine).append('\n');
                }
            }
            return true;
        }

        String result() {
            if (stopped) {
                out.append("[search stopped after ").append(matches)
                        .append(" matches; narrow the pattern, path or glob]\n");
            }
            if (linked > 0) {
                out.append(matches == 0 && out.length() == 0 ? "no matches\n" : "")
                        .append("[skipped ").append(linked).append(linked == 1 ? " file" : " files")
                        .append(" with more than one hard link, which may be outside the workdir: ")
                        .append(String.join(", ", linkedNamed)).append(linked > MAX_LINKED_NAMED ? ", ..." : "")
                        .append("]\n");
            }
            return matches == 0 && out.length() == 0 ? "no matches" : out.toString();
        }
    }
}
