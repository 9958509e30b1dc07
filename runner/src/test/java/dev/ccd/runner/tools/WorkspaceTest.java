package dev.ccd.runner.tools;

import static dev.ccd.runner.tools.ToolTesting.input;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File tools stay inside the workdir, whatever path or symlink the model tries. */
class WorkspaceTest {
    @TempDir
    Path parent;
    private Path workdir;
    private ToolContext context;

    @BeforeEach
    void setUp() throws IOException {
        workdir = Files.createDirectory(parent.toRealPath().resolve("work"));
        Files.writeString(parent.resolve("secret.txt"), "outside");
        context = ToolContext.defaults(workdir);
    }

    @Test
    void dotDotEscapeIsRefused() throws Exception {
        assertThat(new ReadFileTool().run(input("path", "../secret.txt"), context))
                .isEqualTo(ToolResult.error("read_file: path ../secret.txt is outside the working directory " + workdir));
        assertThat(new WriteFileTool().run(input("path", "sub/../../x.txt", "content", "x"), context).content())
                .contains("is outside the working directory");
        assertThat(parent.resolve("x.txt")).doesNotExist();
    }

    @Test
    void absolutePathOutsideIsRefused() throws Exception {
        ToolResult result = new ReadFileTool().run(input("path", "/etc/passwd"), context);

        assertThat(result).isEqualTo(ToolResult.error(
                "read_file: path /etc/passwd is outside the working directory " + workdir));
    }

    @Test
    void symlinkPointingOutsideIsRefusedForEveryFileTool() throws Exception {
        Files.createSymbolicLink(workdir.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(workdir.resolve("up"), parent);

        assertThat(new ReadFileTool().run(input("path", "etc/passwd"), context).content())
                .isEqualTo("read_file: path etc/passwd is outside the working directory " + workdir);
        assertThat(new WriteFileTool().run(input("path", "up/new.txt", "content", "x"), context).content())
                .contains("outside the working directory");
        assertThat(new EditFileTool().run(input("path", "up/secret.txt", "old_text", "out", "new_text", "in"), context)
                .content()).contains("outside the working directory");
        assertThat(new ListFilesTool().run(input("path", "etc"), context).content())
                .contains("outside the working directory");
        assertThat(new GrepTool().run(input("pattern", "root", "path", "etc"), context).content())
                .contains("outside the working directory");
        assertThat(parent.resolve("new.txt")).doesNotExist();
        assertThat(Files.readString(parent.resolve("secret.txt"))).isEqualTo("outside");
    }

    @Test
    void symlinkThenDotDotIsResolvedLikeTheOperatingSystemDoes() throws Exception {
        // Lexically "deep/.." is the workdir; the OS goes through the link, to the parent's parent.
        Files.createDirectories(parent.resolve("a/b"));
        Files.createSymbolicLink(workdir.resolve("deep"), parent.resolve("a/b"));

        assertThat(new WriteFileTool().run(input("path", "deep/../x.txt", "content", "x"), context).content())
                .contains("outside the working directory");
    }

    @Test
    void symlinkStayingInsideIsFollowed() throws Exception {
        Files.createDirectory(workdir.resolve("real"));
        Files.writeString(workdir.resolve("real/f.txt"), "inside");
        Files.createSymbolicLink(workdir.resolve("alias"), workdir.resolve("real"));

        assertThat(new ReadFileTool().run(input("path", "alias/f.txt"), context))
                .isEqualTo(ToolResult.ok("inside"));
        assertThat(new WriteFileTool().run(input("path", "alias/g.txt", "content", "ok"), context))
                .isEqualTo(ToolResult.ok("wrote 2 bytes to real/g.txt"));
    }

    @Test
    void dotDotThatStaysInsideIsAllowed() throws Exception {
        Files.createDirectory(workdir.resolve("sub"));

        assertThat(new WriteFileTool().run(input("path", "sub/../top.txt", "content", "t"), context))
                .isEqualTo(ToolResult.ok("wrote 1 bytes to top.txt"));
    }
}
