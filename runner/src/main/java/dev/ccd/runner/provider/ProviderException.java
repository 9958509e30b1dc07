package dev.ccd.runner.provider;

/**
 * A model call that failed. {@code fatal} errors will not heal by retrying (bad key, unknown
 * model, invalid request): the run ends {@code failed}. Others fail the current iteration; the
 * provider has already retried them as far as its policy allows. {@code abandoned} is what its
 * attempts used all the same (the vendor bills a generation that timed out); {@code retries} the
 * requests it sent beyond the first.
 */
public final class ProviderException extends Exception {
    private final boolean fatal;
    private final TokenUsage abandoned;
    private final int retries;

    public ProviderException(String message, boolean fatal) {
        this(message, fatal, TokenUsage.ZERO);
    }

    public ProviderException(String message, boolean fatal, TokenUsage abandoned) {
        this(message, fatal, abandoned, 0);
    }

    public ProviderException(String message, boolean fatal, TokenUsage abandoned, int retries) {
        super(message);
        this.fatal = fatal;
        this.abandoned = abandoned;
        this.retries = retries;
    }

    public ProviderException(String message, boolean fatal, Throwable cause) {
        super(message, cause);
        this.fatal = fatal;
        this.abandoned = TokenUsage.ZERO;
        this.retries = 0;
    }

    public boolean fatal() {
        return fatal;
    }

    public TokenUsage abandoned() {
        return abandoned;
    }

    public int retries() {
        return retries;
    }
}
