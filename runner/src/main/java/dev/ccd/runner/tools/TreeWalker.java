package dev.ccd.runner.tools;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a directory depth first in name order, for {@code list_files} and {@code grep}. Symlinks
 * are reported but never followed (one could lead out of the workdir, or round in a loop), and
 * a {@code .git} directory is reported but not entered: its contents are noise to a model.
 *
 * <p>Memory is one directory's entry names per level, not the whole tree, and the visitor can stop
 * the walk early, so a huge tree costs only as much as the caller wants to see.
 */
final class TreeWalker {

    /** Receives entries; returns false to end the walk. */
    interface Visitor {
        boolean visit(Path entry, boolean directory) throws IOException;

        /** A directory that could not be read; the walk goes on without it. */
        default boolean unreadable(Path directory, IOException e) {
            return true;
        }
    }

    private TreeWalker() {
    }

    /**
     * Visits the entries under {@code start} (not {@code start} itself), descending when {@code
     * recursive}.
     *
     * @return false when the visitor ended the walk early
     */
    static boolean walk(Path start, boolean recursive, Visitor visitor) throws IOException, InterruptedException {
        return walkDirectory(start, recursive, visitor, true);
    }

    private static boolean walkDirectory(Path dir, boolean recursive, Visitor visitor, boolean top)
            throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("walk of " + dir + " interrupted");
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            if (top) {
                throw e;
            }
            return visitor.unreadable(dir, e);
        }
        entries.sort(null);
        for (Path entry : entries) {
            boolean directory = Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS);
            if (!visitor.visit(entry, directory)) {
                return false;
            }
            boolean enter = recursive && directory && !entry.getFileName().toString().equals(".git");
            if (enter && !walkDirectory(entry, true, visitor, false)) {
                return false;
            }
        }
        return true;
    }
}
