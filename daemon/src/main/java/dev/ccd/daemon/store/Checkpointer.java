package dev.ccd.daemon.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code ccd.db-wal} small: a {@code wal_checkpoint(TRUNCATE)} every so often. SQLite's own
 * checkpoints never shrink the file, and one reader holding an old snapshot lets it grow without
 * bound; once the reader is gone, the next checkpoint here truncates it. A checkpoint that cannot
 * complete for longer than {@link WriterSettings#readerWarnAfter} is reported once (log and
 * health), naming the processes that have the database open.
 *
 * <p>Threading: {@link #maybeRun} is called by the writer thread alone, on its connection; it
 * owns the timing fields. {@link #warning} is read by any thread.
 */
final class Checkpointer {

    private static final Logger log = LoggerFactory.getLogger(SqlWriter.class);

    private final WriterSettings settings;
    private final Path dbFile;
    private long lastRun = System.nanoTime();
    /** When checkpoints began to fall short, or 0 while they complete. */
    private long incompleteSince;
    private volatile String warning;

    Checkpointer(WriterSettings settings, Path dbFile) {
        this.settings = settings;
        this.dbFile = dbFile;
    }

    String warning() {
        return warning;
    }

    void maybeRun(Connection connection) {
        long now = System.nanoTime();
        if (connection == null || now - lastRun < settings.checkpointEvery().toNanos()) {
            return;
        }
        lastRun = now;
        boolean complete;
        // no busy wait: a reader's snapshot would hold the writer (and every write) for the timeout
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA busy_timeout=0");
            try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                complete = rs.next() && rs.getInt(1) == 0 && rs.getInt(2) == rs.getInt(3);
            } finally {
                st.execute("PRAGMA busy_timeout=" + settings.busyTimeoutMs());
            }
        } catch (SQLException e) {
            complete = false; // a database that fails here fails the next batch too, which says why
        }
        if (complete) {
            if (warning != null) {
                log.info("the ccd.db WAL is checkpointed again after {} s", (now - incompleteSince) / 1_000_000_000L);
                warning = null;
            }
            incompleteSince = 0;
        } else if (incompleteSince == 0) {
            incompleteSince = now;
        } else if (warning == null && now - incompleteSince > settings.readerWarnAfter().toNanos()) {
            String readers = readers();
            warning = "the WAL cannot be checkpointed for " + (now - incompleteSince) / 1_000_000_000L
                    + " s: a reader holds an old snapshot (" + readers + ")";
            log.warn("ccd.db: {}; the WAL grows until it ends", warning);
        }
    }

    /** The other processes with ccd.db or its WAL open, as "pid N: command line". */
    private String readers() {
        if (dbFile == null) {
            return "unknown reader";
        }
        List<String> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        Path db = dbFile.toAbsolutePath().normalize();
        Path wal = Path.of(db + "-wal");
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                if (!proc.getFileName().toString().equals(Long.toString(self)) && holds(proc, db, wal)) {
                    found.add("pid " + proc.getFileName() + ": " + commandLine(proc));
                }
            }
        } catch (IOException | RuntimeException e) {
            return "reader unknown: " + e.getMessage();
        }
        return found.isEmpty() ? "no other process has it open" : String.join("; ", found);
    }

    private static boolean holds(Path proc, Path db, Path wal) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.equals(db) || target.equals(wal)) {
                        return true;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile, or not a link: not this one
                }
            }
        } catch (IOException | RuntimeException e) {
            // another user's process, or gone: not ours to name
        }
        return false;
    }

    private static String commandLine(Path proc) {
        try {
            String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').trim();
            return cmd.length() > 120 ? cmd.substring(0, 120) + "…" : cmd;
        } catch (IOException e) {
            return "?";
        }
    }
}
