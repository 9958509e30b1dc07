package dev.ccd.runner.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Keeps file tools inside the run's working directory. A path the model gives is resolved the
 * way the operating system would resolve it: every symlink followed and every {@code ..} applied
 * ({@link Path#toRealPath} on the longest part that exists), and only then compared with the
 * workdir's own real path. Lexical checks alone would let {@code link/../..} or a symlink to
 * {@code /etc} through.
 *
 * <p>This is a guard against a model's mistakes, not a sandbox: a symlink swapped in between the
 * check and the use, or a {@code bash} call, can still reach outside. A hard link is not a path
 * and cannot be caught here; {@link TextFiles} refuses multiply-linked files where it opens them.
 */
final class Workspace {
    private final Path root;

    private Workspace(Path root) {
        this.root = root;
    }

    static Workspace of(ToolContext context) throws IOException {
        return new Workspace(context.workdir().toRealPath());
    }

    Path root() {
        return root;
    }

    /**
     * The real path {@code given} (relative to the workdir, or absolute) names. It need not exist;
     * its nearest existing ancestor must be inside the workdir after resolving symlinks.
     */
    Path resolve(String given) throws IOException {
        Path requested;
        try {
            requested = root.resolve(given);
        } catch (InvalidPathException e) {
            throw new ToolException("path " + given + " is not a valid path: " + e.getReason());
        }
        Path existing = requested;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new ToolException("path " + given + " has no existing ancestor");
        }
        if (Files.isSymbolicLink(existing) && !Files.exists(existing)) {
            throw new ToolException("path " + given + " is a symlink to a missing target");
        }
        Path resolved = existing.toRealPath();
        if (existing.getNameCount() < requested.getNameCount()) {
            // The part that does not exist yet holds no symlinks, so lexical normalising is exact.
            Path missing = requested.subpath(existing.getNameCount(), requested.getNameCount());
            resolved = resolved.resolve(missing).normalize();
        }
        if (!resolved.startsWith(root)) {
            throw new ToolException("path " + given + " is outside the working directory " + root);
        }
        return resolved;
    }

    /** How a resolved path is shown to the model: relative to the workdir, {@code .} for it. */
    String display(Path resolved) {
        String relative = root.relativize(resolved).toString();
        return relative.isEmpty() ? "." : relative;
    }
}
