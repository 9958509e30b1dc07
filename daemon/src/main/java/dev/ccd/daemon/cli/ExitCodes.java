package dev.ccd.daemon.cli;

/** The exit codes of {@code ccd} (docs/ARCHITECTURE.md §7). */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int NOT_RUNNING = 3;

    private ExitCodes() {
    }
}
