package dev.ccd.daemon.store;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** {@code agent_runs.status}: five live statuses, then exactly one terminal status. */
public enum RunStatus {
    STARTING(true),
    RUNNING(true),
    WAITING_PERMISSION(true),
    PAUSED_BUDGET(true),
    STOPPING(true),
    /** Asked to stop, and it did. */
    STOPPED(false),
    /** The runner ended by itself: iteration limit, stagnation, script exhausted. */
    COMPLETED(false),
    /** The runner gave up: repeated errors, bad configuration, a provider error that will not heal. */
    FAILED(false),
    /** Died without an {@code exit} message, or failed the handshake. */
    CRASHED(false),
    /** The daemon went down while it ran. */
    INTERRUPTED(false);

    private final boolean live;

    RunStatus(boolean live) {
        this.live = live;
    }

    public boolean isLive() {
        return live;
    }

    /** The name stored in SQLite and shown to users. */
    @JsonValue
    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunStatus fromDb(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** The live statuses as a SQL list, e.g. {@code ('starting','running',...)}. */
    static String liveSqlList() {
        return Arrays.stream(values()).filter(RunStatus::isLive)
                .map(s -> "'" + s.dbName() + "'")
                .reduce((a, b) -> a + "," + b)
                .map(s -> "(" + s + ")")
                .orElseThrow();
    }
}
