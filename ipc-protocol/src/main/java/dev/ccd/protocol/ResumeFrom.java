package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * In {@code init}: this run goes on from where an earlier runner of it stopped, instead of from
 * "Begin the program.". The runner restores what its checkpoint holds (conversation, usage,
 * stop rules, background tasks) and tells the model what happened.
 *
 * <p>The checkpoint is a file in the run directory, which the agent's tools may reach: the
 * recorded usage is the daemon's own account, and the runner counts whichever figure is higher,
 * so a checkpoint that is lost, stale or rewritten never gives a run back budget it spent.
 *
 * @param checkpointDir  the run directory whose {@code checkpoint.json} (and the journal of the
 *                       iteration that was in progress) to restore; the run's own for a resume,
 *                       the crashed run's for a restart
 * @param nextIteration  the lowest number the next iteration may take: one more than the last
 *                       iteration recorded, so no number is used twice
 * @param how            how the earlier runner ended: {@code interrupted}, {@code crashed},
 *                       {@code stopped}, {@code failed} or {@code completed}
 * @param tokensIn       input tokens the record holds for the run so far; null when not sent
 *                       (an older daemon), then the checkpoint's figure alone counts
 * @param tokensOut      output tokens the record holds, likewise
 * @param costUsd        the cost the record holds, likewise
 */
public record ResumeFrom(
        @JsonProperty(required = true) String checkpointDir,
        @JsonProperty(required = true) int nextIteration,
        @JsonProperty(required = true) String how,
        Long tokensIn,
        Long tokensOut,
        Double costUsd) {
    public ResumeFrom {
        FieldException.required(checkpointDir, "resume.checkpoint_dir");
        FieldException.required(how, "resume.how");
        if (nextIteration < 1) {
            throw new FieldException("resume.next_iteration", "must be >= 1, got " + nextIteration);
        }
        if (tokensIn != null) {
            FieldException.nonNegative(tokensIn, "resume.tokens_in");
        }
        if (tokensOut != null) {
            FieldException.nonNegative(tokensOut, "resume.tokens_out");
        }
        if (costUsd != null) {
            FieldException.nonNegative(costUsd, "resume.cost_usd");
        }
    }

    /** A resume without the record's usage: the checkpoint's alone counts. */
    public ResumeFrom(String checkpointDir, int nextIteration, String how) {
        this(checkpointDir, nextIteration, how, null, null, null);
    }

    /** The same resume with the usage the record holds for the run. */
    public ResumeFrom recorded(long tokensIn, long tokensOut, double costUsd) {
        return new ResumeFrom(checkpointDir, nextIteration, how, tokensIn, tokensOut, costUsd);
    }
}
