package dev.ccd.runner.tools;

import static dev.ccd.runner.tools.ToolTesting.input;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hard link in the workdir to a file outside it gives the file tools neither its content nor a way to change it. */
class HardLinkTest {
    private static final String SECRET = "root:x:0:0:secret\n";
    private static final String REFUSAL = " has 2 hard links; a file linked from outside the workdir "
            + "cannot be read or written through it (remove the extra links or copy the file)";

    @TempDir
    Path temp;
    private Path work;
    private Path outside;
    private ToolContext context;

    @BeforeEach
    void setUp() throws IOException {
        work = Files.createDirectory(temp.resolve("work")).toRealPath();
        outside = Files.writeString(Files.createDirectory(temp.resolve("outside")).resolve("passwd"), SECRET);
        Files.createLink(work.resolve("k"), outside);
        context = ToolContext.defaults(work);
    }

    @Test
    void readFileRefusesALinkToAnOutsideFile() throws Exception {
        assertThat(new ReadFileTool().run(input("path", "k"), context))
                .isEqualTo(ToolResult.error("read_file: 'k'" + REFUSAL));
        // Named as the model gave it, not as resolved.
        assertThat(new ReadFileTool().run(input("path", "./k"), context).content())
                .isEqualTo("read_file: './k'" + REFUSAL);
    }

    @Test
    void writeFileRefusesALinkAndLeavesTheOutsideFileAlone() throws Exception {
        assertThat(new WriteFileTool().run(input("path", "k", "content", "owned\n"), context))
                .isEqualTo(ToolResult.error("write_file: 'k'" + REFUSAL));

        assertThat(Files.readString(outside)).isEqualTo(SECRET);
        assertThat(Files.isSameFile(work.resolve("k"), outside)).isTrue();
    }

    @Test
    void editFileRefusesALinkAndLeavesTheOutsideFileAlone() throws Exception {
        assertThat(new EditFileTool().run(input("path", "k", "old_text", "secret", "new_text", "owned"), context))
                .isEqualTo(ToolResult.error("edit_file: 'k'" + REFUSAL));

        assertThat(Files.readString(outside)).isEqualTo(SECRET);
    }

    @Test
    void grepSkipsALinkedFileSayingSoAndStillSearchesOrdinaryFiles() throws Exception {
        Files.writeString(work.resolve("notes.txt"), "a secret of our own\n");

        ToolResult result = new GrepTool().run(input("pattern", "secret"), context);

        assertThat(result).isEqualTo(ToolResult.ok("notes.txt:1:a secret of our own\n"
                + "[skipped 1 file with more than one hard link, which may be outside the workdir: k]\n"));
        assertThat(new GrepTool().run(input("pattern", "root", "path", "k"), context)).isEqualTo(ToolResult.ok(
                "no matches\n[skipped 1 file with more than one hard link, which may be outside the workdir: k]\n"));
    }

    @Test
    void listFilesStillListsTheLinkedName() throws Exception {
        // Names are the workdir's own; this only pins that the refusal did not spread to listing.
        Files.writeString(work.resolve("notes.txt"), "x");
        assertThat(new ListFilesTool().run(input(), context)).isEqualTo(ToolResult.ok("k\nnotes.txt\n"));
        assertThat(new ReadFileTool().run(input("path", "k"), context).isError()).isTrue();
    }

    @Test
    void aFileWorksAgainOnceItsOutsideLinkIsGone() throws Exception {
        assertThat(new ReadFileTool().run(input("path", "k"), context).isError()).isTrue();

        Files.delete(outside);

        assertThat(new ReadFileTool().run(input("path", "k"), context)).isEqualTo(ToolResult.ok(SECRET));
        assertThat(new EditFileTool().run(input("path", "k", "old_text", "secret", "new_text", "mine"), context))
                .isEqualTo(ToolResult.ok("replaced 1 occurrence in k"));
        assertThat(new WriteFileTool().run(input("path", "k", "content", "new\n"), context))
                .isEqualTo(ToolResult.ok("wrote 4 bytes to k"));
        assertThat(Files.readString(work.resolve("k"))).isEqualTo("new\n");
    }

    @Test
    void writesReplaceAFileRatherThanWriteThroughItsInodeKeepingPermissions() throws Exception {
        // Writing in place is what a link made after the check would turn into a write outside;
        // replacing the name instead leaves any other name of the old inode untouched.
        Path file = Files.writeString(work.resolve("run.sh"), "echo old\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---"));
        Object before = key(file);

        assertThat(new WriteFileTool().run(input("path", "run.sh", "content", "echo new\n"), context))
                .isEqualTo(ToolResult.ok("wrote 9 bytes to run.sh"));
        Object written = key(file);
        assertThat(new EditFileTool().run(input("path", "run.sh", "old_text", "new", "new_text", "newer"), context))
                .isEqualTo(ToolResult.ok("replaced 1 occurrence in run.sh"));

        assertThat(Files.readString(file)).isEqualTo("echo newer\n");
        assertThat(written).isNotEqualTo(before);
        assertThat(key(file)).isNotEqualTo(written);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rwxr-x---");
        try (var entries = Files.list(work)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("k", "run.sh");
        }
    }

    private static Object key(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }
}
