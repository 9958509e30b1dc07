package dev.ccd.daemon.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * Which failures belong to the database rather than to one write, and how to say them. A lock
 * held by another process, a full disk, an I/O error or a broken connection fail every write of
 * a batch alike: the writer keeps the batch and retries it. Anything else (a constraint, a bug in
 * an action) is the write's own: only its future fails.
 */
final class Failures {

    private static final int BUSY = 5;
    private static final int LOCKED = 6;
    private static final int NOMEM = 7;
    private static final int READONLY = 8;
    private static final int INTERRUPT = 9;
    private static final int IOERR = 10;
    private static final int FULL = 13;
    private static final int CANTOPEN = 14;
    private static final int PROTOCOL = 15;

    /** Thrown by the writer's own code when the connection can no longer be trusted. */
    static final class Broken extends SQLException {
        Broken(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Failures() {
    }

    /** The failure is the database's, not the write's: retry the whole batch. */
    static boolean ofDatabase(Throwable e) {
        if (!(e instanceof SQLException s)) {
            return false;
        }
        if (s instanceof Broken || lockedByOther(s) || connectionGone(s)) {
            return true;
        }
        int code = s.getErrorCode() & 0xff;
        return code == NOMEM || code == READONLY || code == INTERRUPT || code == IOERR || code == FULL
                || code == CANTOPEN || code == PROTOCOL || message(s).contains("SQLITE_IOERR")
                || message(s).contains("SQLITE_FULL");
    }

    /** Another process holds the lock: the connection is fine, only wait. */
    static boolean lockedByOther(SQLException s) {
        int code = s.getErrorCode() & 0xff;
        return code == BUSY || code == LOCKED || message(s).contains("SQLITE_BUSY")
                || message(s).contains("SQLITE_LOCKED");
    }

    private static boolean connectionGone(SQLException s) {
        String m = message(s);
        return m.contains("connection closed") || m.contains("no transaction is active");
    }

    /** The cause in the words a user would search for. */
    static String describe(SQLException s, Path dbFile) {
        if (lockedByOther(s)) {
            return "database is locked by another process";
        }
        String where = dbFile == null ? "the database's directory" : String.valueOf(dbFile.toAbsolutePath().getParent());
        int code = s.getErrorCode() & 0xff;
        if (code == FULL || message(s).contains("SQLITE_FULL") || (code == IOERR && noSpace(dbFile))) {
            return "no space left on device at " + where;
        }
        if (code == IOERR) {
            return "I/O error at " + where + ": " + s.getMessage();
        }
        return String.valueOf(s.getMessage());
    }

    private static boolean noSpace(Path dbFile) {
        try {
            return dbFile != null && Files.getFileStore(dbFile.toAbsolutePath().getParent()).getUsableSpace() < 65_536;
        } catch (IOException e) {
            return false;
        }
    }

    private static String message(SQLException s) {
        return s.getMessage() == null ? "" : s.getMessage();
    }
}
