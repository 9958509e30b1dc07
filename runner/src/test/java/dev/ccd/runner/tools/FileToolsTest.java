package dev.ccd.runner.tools;

import static dev.ccd.runner.tools.ToolTesting.input;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** read_file, write_file and edit_file. */
class FileToolsTest {
    @TempDir
    Path dir;
    private ToolContext context;
    private final ReadFileTool read = new ReadFileTool();
    private final WriteFileTool write = new WriteFileTool();
    private final EditFileTool edit = new EditFileTool();

    @BeforeEach
    void setUp() throws IOException {
        context = ToolContext.defaults(dir.toRealPath());
    }

    @Test
    void writeReadEditRoundTrip() throws Exception {
        assertThat(write.run(input("path", "src/app/main.py", "content", "print('héllo')\nx = 1\n"), context))
                .isEqualTo(ToolResult.ok("wrote 22 bytes to src/app/main.py"));

        assertThat(read.run(input("path", "src/app/main.py"), context))
                .isEqualTo(ToolResult.ok("print('héllo')\nx = 1\n"));

        assertThat(edit.run(input("path", "src/app/main.py", "old_text", "x = 1", "new_text", "x = 2"), context))
                .isEqualTo(ToolResult.ok("replaced 1 occurrence in src/app/main.py"));
        assertThat(Files.readString(dir.resolve("src/app/main.py"))).isEqualTo("print('héllo')\nx = 2\n");
    }

    @Test
    void absolutePathInsideTheWorkdirIsAllowed() throws Exception {
        Path file = dir.toRealPath().resolve("a.txt");

        assertThat(write.run(input("path", file.toString(), "content", "abc"), context).content())
                .isEqualTo("wrote 3 bytes to a.txt");
    }

    @Test
    void readSelectsLinesWithOffsetAndLimit() throws Exception {
        Files.writeString(dir.resolve("lines.txt"), "one\ntwo\nthree\nfour");

        assertThat(read.run(input("path", "lines.txt", "offset", 2, "limit", 2), context).content())
                .isEqualTo("two\nthree\n");
        assertThat(read.run(input("path", "lines.txt", "offset", 4), context).content()).isEqualTo("four");
        assertThat(read.run(input("path", "lines.txt", "offset", 9), context))
                .isEqualTo(ToolResult.error("read_file: offset 9 is past the end of lines.txt (4 lines)"));
    }

    @Test
    void readOfALongFileIsTruncatedWithNoticeAndHint() throws Exception {
        Files.writeString(dir.resolve("big.txt"), "0123456789\n".repeat(10_000));
        ToolContext small = new ToolContext(dir.toRealPath(), 1000, Duration.ofSeconds(5), Duration.ofSeconds(10));

        ToolResult result = read.run(input("path", "big.txt"), small);

        assertThat(result.isError()).isFalse();
        assertThat(result.content()).hasSizeLessThanOrEqualTo(1000)
                .startsWith("0123456789\n")
                .contains("characters omitted")
                .endsWith("[use offset and limit to read the omitted lines]");
    }

    @Test
    void readOfInvalidUtf8ShowsReplacementCharacters() throws Exception {
        Files.write(dir.resolve("bin.dat"), new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe, '\n'});

        assertThat(read.run(input("path", "bin.dat"), context).content()).isEqualTo("ok\uFFFD\uFFFD\n");
    }

    @Test
    void readOfADirectoryOrMissingFileIsAnError() throws Exception {
        Files.createDirectory(dir.resolve("sub"));

        assertThat(read.run(input("path", "sub"), context))
                .isEqualTo(ToolResult.error("read_file: sub is a directory; use list_files to see its entries"));
        assertThat(read.run(input("path", "nope.txt"), context))
                .isEqualTo(ToolResult.error("read_file: no such file: nope.txt"));
    }

    @Test
    void editWithNoOccurrenceIsAnErrorSayingZero() throws Exception {
        Files.writeString(dir.resolve("f.txt"), "alpha beta");

        ToolResult result = edit.run(input("path", "f.txt", "old_text", "gamma", "new_text", "x"), context);

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).contains("0 occurrences");
        assertThat(Files.readString(dir.resolve("f.txt"))).isEqualTo("alpha beta");
    }

    @Test
    void editWithTwoOccurrencesIsAnErrorUnlessReplaceAll() throws Exception {
        Files.writeString(dir.resolve("f.txt"), "x = 1\ny = 1\n");

        ToolResult refused = edit.run(input("path", "f.txt", "old_text", "= 1", "new_text", "= 2"), context);
        assertThat(refused.isError()).isTrue();
        assertThat(refused.content()).contains("occurs 2 times in f.txt");
        assertThat(Files.readString(dir.resolve("f.txt"))).isEqualTo("x = 1\ny = 1\n");

        ToolResult all = edit.run(input("path", "f.txt", "old_text", "= 1", "new_text", "= 2", "replace_all", true), context);
        assertThat(all).isEqualTo(ToolResult.ok("replaced 2 occurrences in f.txt"));
        assertThat(Files.readString(dir.resolve("f.txt"))).isEqualTo("x = 2\ny = 2\n");
    }

    @Test
    void editRefusesFilesThatAreNotUtf8() throws Exception {
        Files.write(dir.resolve("latin1.txt"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(edit.run(input("path", "latin1.txt", "old_text", "caf", "new_text", "tea"), context))
                .isEqualTo(ToolResult.error("edit_file: latin1.txt is not valid UTF-8 text"));
    }

    @Test
    void writeOverADirectoryIsAnError() throws Exception {
        Files.createDirectory(dir.resolve("sub"));

        assertThat(write.run(input("path", "sub", "content", "x"), context))
                .isEqualTo(ToolResult.error("write_file: sub is a directory"));
    }

    @Test
    void badInputsAreErrorsNamingTheField() throws Exception {
        assertThat(write.run(input("path", "a.txt"), context))
                .isEqualTo(ToolResult.error("write_file: field 'content' is required (a string)"));
        assertThat(read.run(input("path", "a.txt", "offset", "3"), context))
                .isEqualTo(ToolResult.error("read_file: field 'offset' must be an integer from 1 to 2147483647, got \"3\""));
        assertThat(read.run(input("path", "a.txt", "limit", 0), context).content())
                .startsWith("read_file: field 'limit' must be an integer from 1");
        assertThat(edit.run(input("path", "a.txt", "old_text", "a", "new_text", "b", "replace_all", "yes"), context))
                .isEqualTo(ToolResult.error("edit_file: field 'replace_all' must be true or false, got \"yes\""));
        assertThat(edit.run(input("path", "a.txt", "old_text", "", "new_text", "b"), context))
                .isEqualTo(ToolResult.error("edit_file: field 'old_text' must not be empty"));
        assertThat(read.run(ToolTesting.json("[\"a.txt\"]"), context))
                .isEqualTo(ToolResult.error("read_file: input must be a JSON object, got [\"a.txt\"]"));
    }
}
