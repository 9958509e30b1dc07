package dev.ccd.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StopRulesTest {

    @Test
    void theSameSummaryThreeTimesIgnoringCaseAndWhitespaceIsStagnation() {
        StopRules rules = new StopRules(3);

        assertThat(rules.afterIteration("ok", "No change. Metric 0.91")).isEmpty();
        assertThat(rules.afterIteration("ok", "  no change.\n metric   0.91 ")).isEmpty();
        assertThat(rules.afterIteration("ok", "NO CHANGE. METRIC 0.91"))
                .contains(new StopRules.Verdict("stagnation", null));
    }

    @Test
    void aDifferentSummaryInBetweenRestartsTheCount() {
        StopRules rules = new StopRules(3);

        rules.afterIteration("ok", "same");
        rules.afterIteration("ok", "same");
        rules.afterIteration("ok", "different");
        rules.afterIteration("ok", "same");

        assertThat(rules.afterIteration("ok", "same")).isEmpty();
        assertThat(rules.afterIteration("ok", "same")).isPresent();
    }

    @Test
    void aLimitOfZeroNeverStagnates() {
        StopRules rules = new StopRules(0);
        for (int i = 0; i < 50; i++) {
            assertThat(rules.afterIteration("ok", "same")).isEmpty();
        }
    }

    @Test
    void threeIdenticalFailuresFailTheRunWithTheError() {
        StopRules rules = new StopRules(3);

        rules.afterIteration("error", "anthropic: HTTP 500 api_error");
        rules.afterIteration("error", "anthropic: HTTP 500 api_error");
        Optional<StopRules.Verdict> verdict = rules.afterIteration("error", "anthropic: HTTP 500 api_error");

        assertThat(verdict).hasValueSatisfying(v -> {
            assertThat(v.reason()).isEqualTo("failed");
            assertThat(v.error()).contains("3 identical").contains("HTTP 500 api_error");
        });
    }

    @Test
    void fourConsecutiveDifferentFailuresFailTheRunAndASuccessResetsTheCount() {
        StopRules rules = new StopRules(3);
        rules.afterIteration("error", "a");
        rules.afterIteration("error", "b");
        rules.afterIteration("error", "c");
        rules.afterIteration("ok", "fine");
        rules.afterIteration("error", "d");
        rules.afterIteration("error", "e");
        rules.afterIteration("error", "f");

        assertThat(rules.afterIteration("error", "g")).hasValueSatisfying(v ->
                assertThat(v.error()).contains("4 failed iterations in a row").endsWith("g"));
    }
}
