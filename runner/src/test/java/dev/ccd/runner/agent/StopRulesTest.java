package dev.ccd.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StopRulesTest {

    @Test
    void theSameSummaryThreeTimesIgnoringCaseAndWhitespaceIsStagnation() {
        StopRules rules = new StopRules(3);

        assertThat(rules.afterIteration(IterationStatus.OK, "No change. Metric 0.91")).isEmpty();
        assertThat(rules.afterIteration(IterationStatus.OK, "  no change.\n metric   0.91 ")).isEmpty();
        assertThat(rules.afterIteration(IterationStatus.OK, "NO CHANGE. METRIC 0.91"))
                .contains(new StopRules.Verdict(EndReason.STAGNATION, null));
    }

    @Test
    void aDifferentSummaryInBetweenRestartsTheCount() {
        StopRules rules = new StopRules(3);

        rules.afterIteration(IterationStatus.OK, "same");
        rules.afterIteration(IterationStatus.OK, "same");
        rules.afterIteration(IterationStatus.OK, "different");
        rules.afterIteration(IterationStatus.OK, "same");

        assertThat(rules.afterIteration(IterationStatus.OK, "same")).isEmpty();
        assertThat(rules.afterIteration(IterationStatus.OK, "same")).isPresent();
    }

    @Test
    void emptySummariesOfAModelThatOnlyWorksThroughToolsAreNoStagnation() {
        StopRules rules = new StopRules(3);

        for (int i = 0; i < 20; i++) {
            assertThat(rules.afterIteration(IterationStatus.OK, "")).isEmpty();
            assertThat(rules.afterIteration(IterationStatus.OK, " \n ")).isEmpty();
        }
        // and an empty one between two equal summaries neither counts nor restarts the count
        rules.afterIteration(IterationStatus.OK, "same");
        rules.afterIteration(IterationStatus.OK, "");
        rules.afterIteration(IterationStatus.OK, "same");
        assertThat(rules.afterIteration(IterationStatus.OK, "same")).isPresent();
    }

    @Test
    void aLimitOfZeroNeverStagnates() {
        StopRules rules = new StopRules(0);
        for (int i = 0; i < 50; i++) {
            assertThat(rules.afterIteration(IterationStatus.OK, "same")).isEmpty();
        }
    }

    @Test
    void threeIdenticalFailuresFailTheRunWithTheError() {
        StopRules rules = new StopRules(3);

        rules.afterIteration(IterationStatus.ERROR, "anthropic: HTTP 500 api_error");
        rules.afterIteration(IterationStatus.ERROR, "anthropic: HTTP 500 api_error");
        Optional<StopRules.Verdict> verdict =
                rules.afterIteration(IterationStatus.ERROR, "anthropic: HTTP 500 api_error");

        assertThat(verdict).hasValueSatisfying(v -> {
            assertThat(v.reason()).isEqualTo(EndReason.FAILED);
            assertThat(v.error()).contains("3 identical").contains("HTTP 500 api_error");
        });
    }

    @Test
    void fourConsecutiveDifferentFailuresFailTheRunAndASuccessResetsTheCount() {
        StopRules rules = new StopRules(3);
        rules.afterIteration(IterationStatus.ERROR, "a");
        rules.afterIteration(IterationStatus.ERROR, "b");
        rules.afterIteration(IterationStatus.ERROR, "c");
        rules.afterIteration(IterationStatus.OK, "fine");
        rules.afterIteration(IterationStatus.ERROR, "d");
        rules.afterIteration(IterationStatus.ERROR, "e");
        rules.afterIteration(IterationStatus.ERROR, "f");

        assertThat(rules.afterIteration(IterationStatus.ERROR, "g")).hasValueSatisfying(v ->
                assertThat(v.error()).contains("4 failed iterations in a row").endsWith("g"));
    }
}
