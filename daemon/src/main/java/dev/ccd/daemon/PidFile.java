package dev.ccd.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code run/ccd.pid}; a missing, unreadable or stale file reads as no daemon. */
public final class PidFile {
    private PidFile() {
    }

    public static Optional<Long> read(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The pid of the daemon that wrote the file, if that process is still alive. */
    public static Optional<Long> alive(Path file) {
        return read(file).filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }
}
