package dev.ccd.runner.provider;

/**
 * A model behind an API (or a script). One instance per run, called from the agent loop thread
 * only.
 *
 * <p>{@link #complete} blocks until the model has replied, retrying transient failures as the
 * provider's policy says (honouring {@code retry-after}, backing off, cooling down after repeated
 * failures). It is interruptible: when the run stops, the loop thread is interrupted and the call
 * throws {@link InterruptedException} promptly, without a reply.
 */
public interface LlmProvider {

    ModelTurn complete(ModelRequest request) throws ProviderException, InterruptedException;

    /** The model name recorded with the run. */
    String model();

    /** True when no more replies can come (the scripted provider at the end of its script). */
    default boolean exhausted() {
        return false;
    }
}
