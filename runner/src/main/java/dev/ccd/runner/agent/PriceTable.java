package dev.ccd.runner.agent;

import dev.ccd.protocol.Price;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Prices per model, for {@code cost_usd}: built-in list prices of common models (US dollars per
 * million tokens, as published by their vendors; Anthropic's cache reads at 0.1x input, its
 * writes at 1.25x for 5 minutes and 2x for an hour, OpenAI's cached input per model), overridden and extended by {@code prices} in
 * the run's config. A model matches the longest name that is a prefix of it, so
 * {@code claude-sonnet-4-5-20250929} is priced as {@code claude-sonnet-4}.
 */
final class PriceTable {
    private static final Map<String, Price> DEFAULTS = Map.ofEntries(
            Map.entry("claude-opus-4-5", new Price(5, 25)),
            Map.entry("claude-opus-4", new Price(15, 75)),
            Map.entry("claude-sonnet-4", new Price(3, 15)),
            Map.entry("claude-3-7-sonnet", new Price(3, 15)),
            Map.entry("claude-3-5-sonnet", new Price(3, 15)),
            Map.entry("claude-haiku-4-5", new Price(1, 5)),
            Map.entry("claude-3-5-haiku", new Price(0.8, 4)),
            Map.entry("claude-3-haiku", new Price(0.25, 1.25)),
            // OpenAI: the third figure is cached input, discounted per model.
            Map.entry("gpt-4o", new Price(2.5, 10, 1.25)),
            Map.entry("gpt-4o-mini", new Price(0.15, 0.6, 0.075)),
            Map.entry("gpt-4.1", new Price(2, 8, 0.5)),
            Map.entry("gpt-4.1-mini", new Price(0.4, 1.6, 0.1)),
            Map.entry("gpt-4.1-nano", new Price(0.1, 0.4, 0.025)),
            Map.entry("gpt-5", new Price(1.25, 10, 0.125)),
            Map.entry("gpt-5-mini", new Price(0.25, 2, 0.025)),
            Map.entry("o3", new Price(2, 8, 0.5)),
            Map.entry("o4-mini", new Price(1.1, 4.4, 0.275)),
            Map.entry("scripted", new Price(0, 0)));

    private final Map<String, Price> prices = new HashMap<>(DEFAULTS);

    PriceTable(Map<String, Price> overrides) {
        if (overrides != null) {
            prices.putAll(overrides);
        }
    }

    /** The price of a model, or empty when no entry matches it. */
    Optional<Price> lookup(String model) {
        String best = null;
        for (String name : prices.keySet()) {
            if (model.startsWith(name) && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        return Optional.ofNullable(best).map(prices::get);
    }
}
