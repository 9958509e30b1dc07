package dev.ccd.runner.agent;

import dev.ccd.protocol.Price;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.ModelRequest;
import dev.ccd.runner.provider.ModelTurn;
import dev.ccd.runner.provider.ProviderException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Wraps the run's provider and counts what every call costs (agent turns and summaries alike):
 * tokens in and out, and dollars from the {@link PriceTable}. A model without a price is counted
 * at 0 with one warning for the run.
 *
 * <p>Used by the agent loop thread only.
 */
final class Meter implements LlmProvider {
    private final LlmProvider provider;
    private final Optional<Price> price;
    private final Consumer<String> warn;
    private boolean warned;
    private long tokensIn;
    private long tokensOut;
    private double costUsd;
    private long calls;

    Meter(LlmProvider provider, PriceTable prices, Consumer<String> warn) {
        this.provider = provider;
        this.price = prices.lookup(provider.model());
        this.warn = warn;
    }

    @Override
    public ModelTurn complete(ModelRequest request) throws ProviderException, InterruptedException {
        ModelTurn turn = provider.complete(request);
        calls++;
        tokensIn += turn.tokensIn();
        tokensOut += turn.tokensOut();
        if (price.isPresent()) {
            costUsd += price.get().cost(turn.tokensIn(), turn.tokensOut());
        } else if (!warned) {
            warned = true;
            warn.accept("no price known for model '" + provider.model() + "': its cost is counted as 0 (set prices in"
                    + " config.json)");
        }
        return turn;
    }

    @Override
    public String model() {
        return provider.model();
    }

    @Override
    public boolean exhausted() {
        return provider.exhausted();
    }

    /** Starts the count from an earlier runner's: a run that goes on never resets what it spent. */
    void carryOver(long in, long out, double cost, long modelCalls) {
        tokensIn += in;
        tokensOut += out;
        costUsd += cost;
        calls += modelCalls;
    }

    /** Model calls answered in the run, earlier runners' included. */
    long calls() {
        return calls;
    }

    long tokensIn() {
        return tokensIn;
    }

    long tokensOut() {
        return tokensOut;
    }

    double costUsd() {
        return costUsd;
    }
}
