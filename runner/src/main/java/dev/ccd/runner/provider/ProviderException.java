package dev.ccd.runner.provider;

/**
 * A model call that failed. {@code fatal} errors will not heal by retrying (bad key, unknown
 * model, invalid request): the run ends {@code failed}. Others fail the current iteration; the
 * provider has already retried them as far as its policy allows.
 */
public final class ProviderException extends Exception {
    private final boolean fatal;

    public ProviderException(String message, boolean fatal) {
        super(message);
        this.fatal = fatal;
    }

    public ProviderException(String message, boolean fatal, Throwable cause) {
        super(message, cause);
        this.fatal = fatal;
    }

    public boolean fatal() {
        return fatal;
    }
}
