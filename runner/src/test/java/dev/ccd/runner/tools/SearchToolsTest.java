package dev.ccd.runner.tools;

import static dev.ccd.runner.tools.ToolTesting.input;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** list_files and grep over a small tree with a .git directory and a binary file. */
class SearchToolsTest {
    @TempDir
    Path dir;
    private ToolContext context;
    private final ListFilesTool list = new ListFilesTool();
    private final GrepTool grep = new GrepTool();

    @BeforeEach
    void setUp() throws IOException {
        context = ToolContext.defaults(dir.toRealPath());
        Files.createDirectories(dir.resolve("src/pkg"));
        Files.createDirectories(dir.resolve(".git/objects"));
        Files.writeString(dir.resolve(".git/config"), "def hidden():\n");
        Files.writeString(dir.resolve("README.md"), "# demo\ncall def_thing here\n");
        Files.writeString(dir.resolve("src/main.py"), "import os\n\ndef main():\n    return 1\n");
        Files.writeString(dir.resolve("src/pkg/util.py"), "def helper(x):\n    return x\n");
        Files.write(dir.resolve("src/blob.bin"), new byte[] {'d', 'e', 'f', ' ', 0, 1, 2});
    }

    @Test
    void listShowsOneLevelSortedWithDirectorySlashes() throws Exception {
        assertThat(list.run(input(), context))
                .isEqualTo(ToolResult.ok(".git/\nREADME.md\nsrc/\n"));
        assertThat(list.run(input("path", "src"), context))
                .isEqualTo(ToolResult.ok("src/blob.bin\nsrc/main.py\nsrc/pkg/\n"));
    }

    @Test
    void recursiveListWalksTheTreeButNotIntoGit() throws Exception {
        assertThat(list.run(input("recursive", true), context)).isEqualTo(ToolResult.ok(
                ".git/\nREADME.md\nsrc/\nsrc/blob.bin\nsrc/main.py\nsrc/pkg/\nsrc/pkg/util.py\n"));
    }

    @Test
    void listStopsAtMaxEntriesWithANotice() throws Exception {
        ToolResult result = list.run(input("recursive", true, "max_entries", 2), context);

        assertThat(result.content()).isEqualTo(".git/\nREADME.md\n"
                + "[listing stopped after 2 entries; list a subdirectory, or raise max_entries]\n");
    }

    @Test
    void listOfAFileOrMissingPathIsAnError() throws Exception {
        assertThat(list.run(input("path", "README.md"), context))
                .isEqualTo(ToolResult.error("list_files: README.md is not a directory"));
        assertThat(list.run(input("path", "nope"), context))
                .isEqualTo(ToolResult.error("list_files: no such directory: nope"));
    }

    @Test
    void grepPrintsPathLineAndTextSkippingGitAndBinaryFiles() throws Exception {
        assertThat(grep.run(input("pattern", "def \\w+\\("), context))
                .isEqualTo(ToolResult.ok("src/main.py:3:def main():\nsrc/pkg/util.py:1:def helper(x):\n"));
    }

    @Test
    void grepGlobFiltersFileNames() throws Exception {
        assertThat(grep.run(input("pattern", "def", "glob", "*.md"), context))
                .isEqualTo(ToolResult.ok("README.md:2:call def_thing here\n"));
        assertThat(grep.run(input("pattern", "return", "glob", "src/pkg/*.py"), context))
                .isEqualTo(ToolResult.ok("src/pkg/util.py:2:    return x\n"));
    }

    @Test
    void grepOfASingleFileAndNoMatches() throws Exception {
        assertThat(grep.run(input("pattern", "import", "path", "src/main.py"), context))
                .isEqualTo(ToolResult.ok("src/main.py:1:import os\n"));
        assertThat(grep.run(input("pattern", "nothing-like-this"), context))
                .isEqualTo(ToolResult.ok("no matches"));
    }

    @Test
    void grepStopsAfterMaxMatchesWithANotice() throws Exception {
        Files.writeString(dir.resolve("many.txt"), "hit\n".repeat(GrepTool.MAX_MATCHES + 10));

        ToolResult result = grep.run(input("pattern", "^hit$"), context);

        assertThat(result.content().lines()).hasSize(GrepTool.MAX_MATCHES + 1);
        assertThat(result.content()).endsWith(
                "[search stopped after 500 matches; narrow the pattern, path or glob]\n");
    }

    @Test
    void invalidRegexIsAnErrorNamingTheProblem() throws Exception {
        ToolResult result = grep.run(input("pattern", "def (unclosed"), context);

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).startsWith("grep: invalid regex: Unclosed group near index");
    }

    @Test
    void badInputsAreErrorsNamingTheField() throws Exception {
        assertThat(grep.run(input("path", "src"), context))
                .isEqualTo(ToolResult.error("grep: field 'pattern' is required (a string)"));
        assertThat(list.run(input("max_entries", 0), context))
                .isEqualTo(ToolResult.error("list_files: field 'max_entries' must be an integer from 1 to 100000, got 0"));
        assertThat(list.run(input("recursive", "true"), context))
                .isEqualTo(ToolResult.error("list_files: field 'recursive' must be true or false, got \"true\""));
    }
}
