package dev.ccd.protocol;

/**
 * A model's price in US dollars per million tokens.
 *
 * @param inputPerMtok      uncached input
 * @param outputPerMtok     output
 * @param cacheReadPerMtok  input read from the vendor's prompt cache; null for a tenth of
 *                          {@code inputPerMtok} (Anthropic's rate; OpenAI's differs per model)
 */
public record Price(double inputPerMtok, double outputPerMtok, Double cacheReadPerMtok) {
    /** Anthropic's surcharge on input written to a cache that lives 5 minutes. */
    public static final double CACHE_WRITE_5M = 1.25;
    /** ... and to one that lives an hour. */
    public static final double CACHE_WRITE_1H = 2.0;
    /** The cache-read rate when none is given. */
    public static final double CACHE_READ = 0.1;

    public Price {
        FieldException.nonNegative(inputPerMtok, "input_per_mtok");
        FieldException.nonNegative(outputPerMtok, "output_per_mtok");
        if (cacheReadPerMtok != null) {
            FieldException.nonNegative(cacheReadPerMtok, "cache_read_per_mtok");
        }
    }

    public Price(double inputPerMtok, double outputPerMtok) {
        this(inputPerMtok, outputPerMtok, null);
    }

    /** Tokens all priced as plain input and output. */
    public double cost(long tokensIn, long tokensOut) {
        return cost(tokensIn, tokensOut, 0, 0, 0);
    }

    /**
     * The exact cost of one call. {@code tokensIn} is all input the model read; {@code cacheWrite}
     * (of which {@code cacheWrite1h} went to the 1-hour cache) and {@code cacheRead} are parts of it.
     */
    public double cost(long tokensIn, long tokensOut, long cacheWrite, long cacheWrite1h, long cacheRead) {
        long plain = Math.max(0, tokensIn - cacheWrite - cacheRead);
        double read = cacheReadPerMtok != null ? cacheReadPerMtok : inputPerMtok * CACHE_READ;
        double dollars = plain * inputPerMtok
                + (cacheWrite - cacheWrite1h) * inputPerMtok * CACHE_WRITE_5M
                + cacheWrite1h * inputPerMtok * CACHE_WRITE_1H
                + cacheRead * read
                + tokensOut * outputPerMtok;
        return dollars / 1_000_000.0;
    }
}
