package dev.ccd.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files of {@code $CCD_HOME} (README.md, "Files and the record"). Resolution order: {@code --home}, then
 * the environment variable {@code CCD_HOME}, then {@code ~/.ccd}.
 */
public record CcdHome(Path root) {

    public CcdHome {
        root = root.toAbsolutePath().normalize();
    }

    public static CcdHome resolve(Path explicit) {
        if (explicit != null) {
            return new CcdHome(explicit);
        }
        String env = System.getenv("CCD_HOME");
        if (env != null && !env.isBlank()) {
            return new CcdHome(Path.of(env));
        }
        return new CcdHome(Path.of(System.getProperty("user.home"), ".ccd"));
    }

    public Path db() {
        return root.resolve("ccd.db");
    }

    public Path config() {
        return root.resolve("config.json");
    }

    public Path runDir() {
        return root.resolve("run");
    }

    public Path socket() {
        return runDir().resolve("ccd.sock");
    }

    public Path pidFile() {
        return runDir().resolve("ccd.pid");
    }

    public Path lockFile() {
        return runDir().resolve("ccd.lock");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path runs() {
        return root.resolve("runs");
    }

    public Path run(String runId) {
        return runs().resolve(runId);
    }

    public Path templates() {
        return root.resolve("templates");
    }

    public Path workspaces() {
        return root.resolve("workspaces");
    }

    /** Creates the directories; {@code run/} is private to the user (0700). */
    public void ensureLayout() throws IOException {
        for (Path dir : new Path[] {root, logs(), runs(), templates(), workspaces()}) {
            Files.createDirectories(dir);
        }
        Files.createDirectories(runDir());
        Files.setPosixFilePermissions(runDir(), PosixFilePermissions.fromString("rwx------"));
    }
}
