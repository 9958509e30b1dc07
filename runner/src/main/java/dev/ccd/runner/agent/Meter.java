package dev.ccd.runner.agent;

import dev.ccd.protocol.Price;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.ModelRequest;
import dev.ccd.runner.provider.ModelTurn;
import dev.ccd.runner.provider.ProviderException;
import dev.ccd.runner.provider.TokenUsage;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Wraps the run's provider and counts what every call costs (agent turns and summaries alike):
 * tokens in and out, the cache writes and reads among the input, and dollars from the {@link
 * PriceTable} at the vendors' cache rates ({@link Price#cost(long, long, long, long, long)}). The
 * attempts a call abandoned (timed out, cut) are billed by the vendor, so they are counted too,
 * with a notice when the figure is an estimate. Budgets check these same totals. A model without
 * a price is counted at 0 with one warning for the run. It also counts what the record's call
 * statistics need: requests sent beyond the first of each call (retries), the wall time spent in
 * calls, and how many of the tokens counted are estimates.
 *
 * <p>Used by the agent loop thread only.
 */
final class Meter implements LlmProvider {
    private final LlmProvider provider;
    private final Optional<Price> price;
    private final Consumer<String> warn;
    private boolean warned;
    private TokenUsage total = TokenUsage.ZERO;
    private double costUsd;
    private long calls;
    private long retries;
    private long callNanos;
    private long estimatedTokens;

    Meter(LlmProvider provider, PriceTable prices, Consumer<String> warn) {
        this.provider = provider;
        this.price = prices.lookup(provider.model());
        this.warn = warn;
    }

    @Override
    public ModelTurn complete(ModelRequest request) throws ProviderException, InterruptedException {
        ModelTurn turn;
        long start = System.nanoTime();
        try {
            turn = provider.complete(request);
            calls++;
        } catch (ProviderException e) {
            retries += e.retries();
            count(e.abandoned());
            throw e;
        } finally {
            callNanos += System.nanoTime() - start;
        }
        retries += turn.retries();
        count(turn.abandoned());
        count(turn.usage());
        return turn;
    }

    private void count(TokenUsage usage) {
        if (usage.isZero()) {
            return;
        }
        total = total.plus(usage);
        if (usage.estimated()) {
            estimatedTokens += usage.input() + usage.output();
            warn.accept("an abandoned model call attempt is counted as billed: ~" + usage.input() + " tokens in, ~"
                    + usage.output() + " out (estimate)");
        }
        if (price.isPresent()) {
            costUsd += price.get().cost(usage.input(), usage.output(), usage.cacheWrite(), usage.cacheWrite1h(),
                    usage.cacheRead());
        } else if (!warned) {
            warned = true;
            warn.accept("no price known for model '" + provider.model() + "': its cost is counted as 0 (set prices in"
                    + " config.json)");
        }
    }

    @Override
    public String model() {
        return provider.model();
    }

    @Override
    public boolean exhausted() {
        return provider.exhausted();
    }

    /**
     * Starts the count from an earlier runner's: a run that goes on never resets what it spent.
     * The split of that input into cache writes and reads stays with the iterations that recorded
     * it; only totals are carried (the cost already priced them).
     */
    void carryOver(long in, long out, double cost, long modelCalls) {
        total = total.plus(TokenUsage.of(in, out));
        costUsd += cost;
        calls += modelCalls;
    }

    /** Model calls answered in the run, earlier runners' included. */
    long calls() {
        return calls;
    }

    /** Requests sent beyond the first of each call, failed calls' included; this runner's only. */
    long retries() {
        return retries;
    }

    /** Wall time spent in calls (their retries and waits included); this runner's only. */
    Duration callTime() {
        return Duration.ofNanos(callNanos);
    }

    /** The part of {@link #tokensIn()} + {@link #tokensOut()} that is an estimate; this runner's only. */
    long estimatedTokens() {
        return estimatedTokens;
    }

    long tokensIn() {
        return total.input();
    }

    long tokensOut() {
        return total.output();
    }

    long cacheWriteTokens() {
        return total.cacheWrite();
    }

    long cacheReadTokens() {
        return total.cacheRead();
    }

    double costUsd() {
        return costUsd;
    }
}
