package dev.ccd.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.ccd.protocol.Price;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.ModelRequest;
import dev.ccd.runner.provider.ModelTurn;
import dev.ccd.runner.provider.ProviderException;
import dev.ccd.runner.provider.TokenUsage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cost at the vendors' cache rates, abandoned attempts included. */
class MeterTest {
    private final List<String> notices = new ArrayList<>();

    /** A provider that answers, or throws, what it was given, in order. */
    private static LlmProvider answering(String model, Object... outcomes) {
        Deque<Object> queue = new ArrayDeque<>(List.of(outcomes));
        return new LlmProvider() {
            @Override
            public ModelTurn complete(ModelRequest request) throws ProviderException {
                Object next = queue.removeFirst();
                if (next instanceof ProviderException e) {
                    throw e;
                }
                return (ModelTurn) next;
            }

            @Override
            public String model() {
                return model;
            }
        };
    }

    private static ModelRequest request() {
        return new ModelRequest("", List.of(), List.of(), 0);
    }

    @Test
    void anthropicCacheWritesCostMoreByLifetimeAndReadsATenth() throws Exception {
        // claude-sonnet-4: $3 in, $15 out per million
        TokenUsage usage = new TokenUsage(1_000_000 + 2_000_000 + 4_000_000 + 10_000_000, 100_000, 6_000_000, 4_000_000,
                10_000_000, false);
        Meter meter = new Meter(answering("claude-sonnet-4-5", new ModelTurn("x", List.of(), usage, "end_turn", null)),
                new PriceTable(null), notices::add);

        meter.complete(request());

        double expected = 1 * 3 + 2 * 3 * 1.25 + 4 * 3 * 2.0 + 10 * 3 * 0.1 + 0.1 * 15;
        assertThat(meter.costUsd()).isCloseTo(expected, within(1e-9));
        assertThat(meter.tokensIn()).isEqualTo(17_000_000);
        assertThat(meter.cacheWriteTokens()).isEqualTo(6_000_000);
        assertThat(meter.cacheReadTokens()).isEqualTo(10_000_000);
    }

    @Test
    void openAiCachedTokensAreAtTheModelsDiscount() throws Exception {
        TokenUsage usage = new TokenUsage(1_000_000, 0, 0, 0, 800_000, false);
        Meter gpt5 = new Meter(answering("gpt-5", new ModelTurn("x", List.of(), usage, "stop", null)),
                new PriceTable(null), notices::add);
        Meter gpt4o = new Meter(answering("gpt-4o", new ModelTurn("x", List.of(), usage, "stop", null)),
                new PriceTable(Map.of("gpt-4o", new Price(2.5, 10, 1.25))), notices::add);

        gpt5.complete(request());
        gpt4o.complete(request());

        assertThat(gpt5.costUsd()).isCloseTo(0.2 * 1.25 + 0.8 * 0.125, within(1e-9));
        assertThat(gpt4o.costUsd()).isCloseTo(0.2 * 2.5 + 0.8 * 1.25, within(1e-9));
    }

    @Test
    void abandonedAttemptsAreCountedWithTheTurnAndWithAFailureAndSaidToBeEstimates() throws Exception {
        TokenUsage lost = new TokenUsage(1_000_000, 0, 0, 0, 0, true);
        Meter meter = new Meter(answering("claude-sonnet-4-5",
                new ModelTurn("x", List.of(), TokenUsage.of(1_000_000, 0), "end_turn", lost),
                new ProviderException("anthropic: timed out (after 5 attempts)", false, lost)),
                new PriceTable(null), notices::add);

        meter.complete(request());
        catchThrowableOfType(() -> meter.complete(request()), ProviderException.class);

        assertThat(meter.tokensIn()).isEqualTo(3_000_000);
        assertThat(meter.costUsd()).isCloseTo(9, within(1e-9));
        assertThat(notices).hasSize(2).allSatisfy(n -> assertThat(n).contains("(estimate)"));
    }

    @Test
    void retriesOfAnsweredAndFailedCallsAndTheEstimatedPartOfTheTokensAreCounted() throws Exception {
        TokenUsage lost = new TokenUsage(400, 20, 0, 0, 0, true);
        Meter meter = new Meter(answering("claude-sonnet-4-5",
                new ModelTurn("x", List.of(), TokenUsage.of(1000, 50), "end_turn", lost, 2),
                new ModelTurn("y", List.of(), TokenUsage.of(1000, 50), "end_turn", null),
                new ProviderException("anthropic: HTTP 529 (after 4 attempts)", false, lost, 3)),
                new PriceTable(null), notices::add);

        meter.complete(request());
        meter.complete(request());
        catchThrowableOfType(() -> meter.complete(request()), ProviderException.class);

        assertThat(meter.calls()).isEqualTo(2);
        assertThat(meter.retries()).isEqualTo(5);
        assertThat(meter.estimatedTokens()).isEqualTo(2 * 420);
        assertThat(meter.tokensIn() + meter.tokensOut()).isEqualTo(2 * 1050 + 2 * 420);
        assertThat(meter.callTime()).isPositive();
    }
}
