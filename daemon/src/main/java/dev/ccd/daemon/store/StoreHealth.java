package dev.ccd.daemon.store;

/**
 * How the record is doing: {@code ok}, or {@code degraded} since {@code since} (an ISO-8601
 * instant) because of {@code reason} (the writes are held, not lost); the writes waiting to be
 * committed; the size of {@code ccd.db-wal}; and, when a reader keeps the WAL from being
 * checkpointed, a warning that names it ({@code null} otherwise).
 */
public record StoreHealth(String state, String since, String reason, int writesQueued, long walBytes,
        String walWarning) {

    public boolean ok() {
        return "ok".equals(state);
    }
}
