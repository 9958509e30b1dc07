package dev.ccd.runner.agent;

/**
 * Context window sizes (tokens) of common models, by name prefix, for when the config gives none.
 * Unknown models (local ones, mostly) get a conservative 32k, since overflowing a small local
 * window fails every call while compacting early only costs a summary.
 */
final class ContextWindows {
    static final int UNKNOWN = 32_768;

    private ContextWindows() {
    }

    static int of(String model) {
        if (model.startsWith("claude")) {
            return 200_000;
        }
        if (model.startsWith("gpt-4.1")) {
            return 1_000_000;
        }
        if (model.startsWith("gpt-5")) {
            return 400_000;
        }
        if (model.startsWith("gpt-4o") || model.startsWith("o3") || model.startsWith("o4")) {
            return 128_000;
        }
        if (model.equals("scripted")) {
            return 200_000;
        }
        return UNKNOWN;
    }
}
