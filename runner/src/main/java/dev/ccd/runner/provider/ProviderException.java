package dev.ccd.runner.provider;

/**
 * A model call that failed. {@code fatal} errors will not heal by retrying (bad key, unknown
 * model, invalid request): the run ends {@code failed}. Others fail the current iteration; the
 * provider has already retried them as far as its policy allows. {@code abandoned} is what its
 * attempts used all the same (the vendor bills a generation that timed out).
 */
public final class ProviderException extends Exception {
    private final boolean fatal;
    private final TokenUsage abandoned;

    public ProviderException(String message, boolean fatal) {
        this(message, fatal, TokenUsage.ZERO);
    }

    public ProviderException(String message, boolean fatal, TokenUsage abandoned) {
        super(message);
        this.fatal = fatal;
        this.abandoned = abandoned;
    }

    public ProviderException(String message, boolean fatal, Throwable cause) {
        super(message, cause);
        this.fatal = fatal;
        this.abandoned = TokenUsage.ZERO;
    }

    public boolean fatal() {
        return fatal;
    }

    public TokenUsage abandoned() {
        return abandoned;
    }
}
