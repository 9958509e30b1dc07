package dev.ccd.runner.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reading and writing file contents for the file tools, and the one place that refuses files
 * with more than one hard link. Tools that only show text decode leniently (bad bytes become
 * U+FFFD); a tool that writes text back ({@code edit_file}) decodes strictly, so it never silently
 * replaces bytes it could not read.
 *
 * <p><b>Hard links.</b> {@link Workspace} confines a path by resolving symlinks, but a hard link is
 * not a path: {@code ln /etc/passwd p} in the workdir makes {@code p} the outside file itself.
 * Every name of a file counts in its link count, so a regular file with one link has no name
 * outside the workdir, and one with more may have. Tools therefore refuse to read or write
 * through a regular file whose {@code unix:nlink} is above 1. {@code grep} skips such files and
 * says so; {@code list_files} still lists them, since a name reveals nothing of the content.
 *
 * <p>What is guaranteed, and what is not:
 * <ul>
 *   <li>Writes never go through an existing inode: {@link #replace} writes a new file beside the
 *       target and renames it over the target. A hard link that appears after the check is
 *       replaced, not written through, so a file outside the workdir is never changed by
 *       {@code write_file} or {@code edit_file}, whatever the timing.</li>
 *   <li>Reads check the path before and after opening it, and refuse unless both checks see the
 *       same file with one link. A link swapped in once, between check and open, is caught. Java
 *       17 cannot stat an open descriptor, so a process that swaps the name to a link and back
 *       again within that window can still get one read of the outside file through.</li>
 *   <li>A link made after the open (to the file already open, which has no other name) is
 *       harmless: what is read is the workdir's own file.</li>
 *   <li>Without a {@code unix} attribute view the link count cannot be read; existing files are
 *       then refused rather than trusted (new files can still be written). ccd runs on Linux,
 *       where the view is always there.</li>
 * </ul>
 * Symlinks swapped into the path's directories between check and use are {@link Workspace}'s
 * limit, not closed here.
 */
final class TextFiles {
    /** Files larger than this are not loaded whole (edit) or searched (grep). */
    static final long MAX_WHOLE_FILE_BYTES = 10L * 1024 * 1024;
    /** A NUL byte in this many leading bytes marks a file as binary, as git and grep decide. */
    static final int BINARY_SNIFF_BYTES = 8 * 1024;
    private static final String ATTRIBUTES = "unix:nlink,fileKey,isRegularFile,permissions";

    private TextFiles() {
    }

    /** UTF-8, malformed input replaced; {@code named} is how refusals name the file. */
    static BufferedReader lenientReader(Path file, String named) throws IOException {
        return new BufferedReader(new InputStreamReader(open(file, named), StandardCharsets.UTF_8));
    }

    static boolean looksBinary(Path file, String named) throws IOException {
        byte[] start = new byte[BINARY_SNIFF_BYTES];
        int length;
        try (InputStream in = open(file, named)) {
            length = in.readNBytes(start, 0, start.length);
        }
        for (int i = 0; i < length; i++) {
            if (start[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** The whole file as strict UTF-8, refusing files too large or not text. */
    static String readWhole(Path file, String named, String shown) throws IOException {
        long size = Files.size(file);
        if (size > MAX_WHOLE_FILE_BYTES) {
            throw tooLarge(shown, size);
        }
        byte[] bytes;
        try (InputStream in = open(file, named)) {
            // One byte past the limit, as the file may have grown since it was measured.
            bytes = in.readNBytes((int) MAX_WHOLE_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_WHOLE_FILE_BYTES) {
            throw tooLarge(shown, bytes.length);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ToolException(shown + " is not valid UTF-8 text");
        }
    }

    private static ToolException tooLarge(String shown, long size) {
        return new ToolException(shown + " is " + size + " bytes; files over "
                + MAX_WHOLE_FILE_BYTES + " bytes are not loaded whole");
    }

    /** Refuses a path that is a directory (or missing) where a regular file is needed. */
    static void requireRegularFile(Path file, String shown) {
        if (Files.isDirectory(file)) {
            throw new ToolException(shown + " is a directory; use list_files to see its entries");
        }
        if (!Files.exists(file)) {
            throw new ToolException("no such file: " + shown);
        }
        if (!Files.isRegularFile(file)) {
            throw new ToolException(shown + " is not a regular file");
        }
    }

    /** The file's link count, or -1 where the file system cannot tell. */
    static long linkCount(Path file) throws IOException {
        Map<String, Object> attributes = attributes(file);
        return attributes == null ? -1 : ((Number) attributes.get("nlink")).longValue();
    }

    /**
     * Opens a regular file with one link for reading, not following a final symlink, checking the
     * path both before and after the open (see the class comment for what that does not cover).
     */
    static InputStream open(Path file, String named) throws IOException {
        Object before = requireSingleLink(file, named).get("fileKey");
        InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        try {
            Object after = requireSingleLink(file, named).get("fileKey");
            if (!Objects.equals(before, after)) {
                throw new ToolException("'" + named + "' was replaced while being opened; try again");
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Gives {@code file} the content {@code bytes}: written to a new file in the same directory,
     * then renamed over {@code file}, so no existing inode (one shared with a file outside the
     * workdir, say) is ever truncated or written. An existing file must be a regular file with one
     * link; its permissions carry over. The caller has made sure {@code file} is not a directory.
     */
    static void replace(Path file, String named, byte[] bytes) throws IOException {
        // A file appearing after this check is harmless: the rename replaces it.
        Map<String, Object> existing = Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                ? requireSingleLink(file, named)
                : null;
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path temp = file.resolveSibling(".ccd-write-" + random + ".tmp");
        try {
            // CREATE_NEW: never an existing file, and the umask's permissions for a new one.
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                out.write(bytes);
            }
            if (existing != null) {
                @SuppressWarnings("unchecked")
                Set<PosixFilePermission> permissions = (Set<PosixFilePermission>) existing.get("permissions");
                // NOFOLLOW_LINKS: chmod through the open file, not through a symlink swapped in.
                Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setPermissions(permissions);
            }
            // rename(2): replaces whatever entry has the name by then, a link included.
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The file's attributes, refusing anything but a regular file with exactly one link. */
    private static Map<String, Object> requireSingleLink(Path file, String named) throws IOException {
        Map<String, Object> attributes = attributes(file);
        if (attributes == null) {
            throw new ToolException("cannot tell whether '" + named
                    + "' has other hard links on this file system, so it is not read or written");
        }
        if (!Boolean.TRUE.equals(attributes.get("isRegularFile"))) {
            throw new ToolException("'" + named + "' is not a regular file");
        }
        long links = ((Number) attributes.get("nlink")).longValue();
        if (links > 1) {
            throw new ToolException("'" + named + "' has " + links + " hard links; a file linked from "
                    + "outside the workdir cannot be read or written through it (remove the extra links "
                    + "or copy the file)");
        }
        return attributes;
    }

    /** The {@code unix} view's attributes, without following a final symlink; null if there is no such view. */
    private static Map<String, Object> attributes(Path file) throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            return null;
        }
        return Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }
}
