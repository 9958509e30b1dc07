package dev.ccd.runner.agent;

import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import java.util.Locale;
import java.util.Optional;

/**
 * When a run ends by itself (docs/ARCHITECTURE.md §6): the same normalised summary {@code
 * stagnationLimit} times in a row completes it ({@code stagnation}; whitespace and case ignored;
 * 0 disables); 3 identical or 4 consecutive failed iterations fail it, with the last error. An
 * empty summary says nothing about progress (a model may work through its tools and write no
 * text): it neither counts towards stagnation nor breaks a run of equal summaries.
 *
 * <p>Used by the agent loop thread only.
 */
final class StopRules {
    static final int DEFAULT_STAGNATION_LIMIT = 3;
    static final int IDENTICAL_FAILURES = 3;
    static final int CONSECUTIVE_FAILURES = 4;

    /** Why the run ends: an exit reason and, for a failure, the error. */
    record Verdict(EndReason reason, String error) {
    }

    /** What the rules remember, for a checkpoint. */
    record State(String lastSummary, int sameSummaries, String lastError, int sameErrors, int failures) {
    }

    private final int stagnationLimit;
    private String lastSummary;
    private int sameSummaries;
    private String lastError;
    private int sameErrors;
    private int failures;

    StopRules(int stagnationLimit) {
        this.stagnationLimit = stagnationLimit;
    }

    Optional<Verdict> afterIteration(IterationStatus status, String summary) {
        String normalised = normalise(summary);
        if (status == IterationStatus.ERROR) {
            failures++;
            sameErrors = normalised.equals(lastError) ? sameErrors + 1 : 1;
            lastError = normalised;
            lastSummary = null;
            sameSummaries = 0;
            if (sameErrors >= IDENTICAL_FAILURES) {
                return Optional.of(new Verdict(EndReason.FAILED,
                        IDENTICAL_FAILURES + " identical failed iterations: " + summary));
            }
            if (failures >= CONSECUTIVE_FAILURES) {
                return Optional.of(new Verdict(EndReason.FAILED,
                        CONSECUTIVE_FAILURES + " failed iterations in a row; last: " + summary));
            }
            return Optional.empty();
        }
        failures = 0;
        sameErrors = 0;
        lastError = null;
        if (normalised.isEmpty()) {
            return Optional.empty();
        }
        sameSummaries = normalised.equals(lastSummary) ? sameSummaries + 1 : 1;
        lastSummary = normalised;
        if (stagnationLimit > 0 && sameSummaries >= stagnationLimit) {
            return Optional.of(new Verdict(EndReason.STAGNATION, null));
        }
        return Optional.empty();
    }

    State state() {
        return new State(lastSummary, sameSummaries, lastError, sameErrors, failures);
    }

    void restore(State state) {
        lastSummary = state.lastSummary();
        sameSummaries = state.sameSummaries();
        lastError = state.lastError();
        sameErrors = state.sameErrors();
        failures = state.failures();
    }

    static String normalise(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
