package dev.ccd.daemon.supervisor;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which names are taken: by a live run (from before its row is written until after its end is
 * committed, so a name is never live twice) or by a restart waiting for its delay.
 *
 * <p>Threads: any; the maps are concurrent and each operation is atomic on its own.
 */
final class LiveRuns {
    private final Map<String, RunHandle> live = new ConcurrentHashMap<>();
    private final Map<String, PendingRestart> restarts = new ConcurrentHashMap<>();

    /** Takes the name for {@code run}; false when a live run holds it already. */
    boolean reserve(RunHandle run) {
        return live.putIfAbsent(run.spec.name(), run) == null;
    }

    /** Hands the name from {@code held} to {@code next} without letting it go in between. */
    void swap(RunHandle held, RunHandle next) {
        live.replace(held.spec.name(), held, next);
    }

    /** Gives the name back, if {@code run} still holds it. */
    void release(RunHandle run) {
        live.remove(run.spec.name(), run);
    }

    Optional<RunHandle> get(String name) {
        return Optional.ofNullable(live.get(name));
    }

    Optional<RunHandle> byRunId(String runId) {
        return live.values().stream().filter(run -> run.runId.equals(runId)).findFirst();
    }

    List<RunHandle> all() {
        return List.copyOf(live.values());
    }

    void addRestart(String name, PendingRestart pending) {
        restarts.put(name, pending);
    }

    /**
     * Takes a waiting restart away: by its timer when it fires, or by a stop that cancels it.
     *
     * @return true for exactly one caller
     */
    boolean takeRestart(String name, PendingRestart pending) {
        return restarts.remove(name, pending);
    }

    Optional<PendingRestart> restart(String name) {
        return Optional.ofNullable(restarts.get(name));
    }

    /** Cancels every waiting restart. */
    void clearRestarts() {
        restarts.clear();
    }
}
