package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * In {@code init}: this run goes on from where an earlier runner of it stopped, instead of from
 * "Begin the program.". The runner restores what its checkpoint holds (conversation, usage,
 * stop rules, background tasks) and tells the model what happened.
 *
 * @param checkpointDir  the run directory whose {@code checkpoint.json} (and the journal of the
 *                       iteration that was in progress) to restore; the run's own for a resume,
 *                       the crashed run's for a restart
 * @param nextIteration  the lowest number the next iteration may take: one more than the last
 *                       iteration recorded, so no number is used twice
 * @param how            how the earlier runner ended: {@code interrupted}, {@code crashed},
 *                       {@code stopped}, {@code failed} or {@code completed}
 */
public record ResumeFrom(
        @JsonProperty(required = true) String checkpointDir,
        @JsonProperty(required = true) int nextIteration,
        @JsonProperty(required = true) String how) {
    public ResumeFrom {
        FieldException.required(checkpointDir, "resume.checkpoint_dir");
        FieldException.required(how, "resume.how");
        if (nextIteration < 1) {
            throw new FieldException("resume.next_iteration", "must be >= 1, got " + nextIteration);
        }
    }
}
