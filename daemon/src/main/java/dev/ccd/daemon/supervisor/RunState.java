package dev.ccd.daemon.supervisor;

/**
 * Where one live run is in its life, as the supervisor sees it ({@link RunHandle} holds it).
 * {@code agent_runs.status} is what users see; this is what decides which request may act.
 *
 * <pre>
 * STARTING ──ready──▶ RUNNING ──paused_budget──▶ PAUSED ──resume delivered──▶ RESUMING ──resumed──▶ RUNNING
 *                                                  ▲                              │
 *                                                  └─────── delivery failed ──────┘
 * any live state ──stop──▶ STOPPING          any state ──process gone──▶ ENDED
 * </pre>
 *
 * <ul>
 *   <li>{@code STARTING}: the name is reserved; the runner may not exist yet. A stop here is kept
 *       and carried out as soon as there is a process (or instead of starting one).</li>
 *   <li>{@code RUNNING}: the runner answered {@code ready}.</li>
 *   <li>{@code PAUSED}: the runner said {@code paused_budget}; exactly one resume may be sent.</li>
 *   <li>{@code RESUMING}: a resume reached the runner; a second is refused until it says
 *       {@code resumed} (or pauses again).</li>
 *   <li>{@code STOPPING}: one stop began; later stops join it (one ladder, one event).</li>
 *   <li>{@code ENDED}: the process is gone and its end is being recorded; nothing it still says
 *       is recorded. Final.</li>
 * </ul>
 * Permission waits are not states here: a run waiting for an answer is {@code RUNNING} to the
 * supervisor, and the database says {@code waiting_permission}.
 */
enum RunState {
    STARTING, RUNNING, PAUSED, RESUMING, STOPPING, ENDED;

    boolean stopping() {
        return this == STOPPING || this == ENDED;
    }
}
