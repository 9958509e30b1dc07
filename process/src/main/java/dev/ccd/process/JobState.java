package dev.ccd.process;

import java.util.Set;

/**
 * One job as the scheduler records it.
 *
 * @param id     the scheduler's job id
 * @param state  its state word ({@code PENDING}, {@code RUNNING}, {@code CANCELLED}, {@code TIMEOUT}, ...)
 * @param reason why it waits, or why it ended ({@code Resources}, {@code Priority}, {@code None}, ...)
 * @param nodes  where it runs or ran; empty while it waits
 */
public record JobState(long id, String state, String reason, String nodes) {
    /** Slurm's states of a job that has not started yet. */
    private static final Set<String> WAITING = Set.of("PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD",
            "REQUEUE_FED", "RESV_DEL_HOLD");
    /** Slurm's states of a job that is over, or being ended. */
    private static final Set<String> OVER = Set.of("BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED",
            "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT", "COMPLETING", "SPECIAL_EXIT", "REVOKED");

    public JobState {
        state = state == null ? "" : state;
        reason = reason == null ? "" : reason;
        nodes = nodes == null ? "" : nodes;
    }

    public boolean waiting() {
        return WAITING.contains(state);
    }

    public boolean over() {
        return OVER.contains(state);
    }

    /** Over and no longer being ended: what the scheduler will keep saying about it. */
    public boolean settled() {
        return over() && !state.equals("COMPLETING");
    }

    /** In the scheduler's words, e.g. {@code PENDING (Resources)}, {@code RUNNING on node1}. */
    public String describe() {
        String why = reason.isEmpty() || reason.equals("None") ? "" : " (" + reason + ")";
        return state + why + (nodes.isEmpty() ? "" : " on " + nodes);
    }
}
