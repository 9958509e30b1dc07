package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The runner's configuration, carried in {@code init}. Never holds secrets: API keys reach the
 * runner through its environment only.
 *
 * @param provider            {@code anthropic}, {@code openai} or {@code scripted}
 * @param model               model name; null lets the provider choose its default
 * @param baseUrl             provider endpoint override; null for the provider's default
 * @param script              path of the scripted provider's JSONL file
 * @param workdir             the agent's working directory; file tools are confined to it
 * @param runDir              {@code $CCD_HOME/runs/<run_id>}: transcript and task logs go here
 * @param intervalS           pause between iterations, seconds
 * @param ask                 mutating tool calls need approval
 * @param permissionTimeoutS  an unanswered permission request is denied after this many seconds
 * @param budget              spending limits; null is unlimited
 * @param providerOptions     timeouts, retries and cooldown of HTTP providers; null for defaults
 * @param contextWindow       the model's context window in tokens; null for the model's known size
 * @param compactThreshold    compact the conversation above this fraction of the window (default 0.6)
 * @param stagnationLimit     the same summary this many times in a row completes the run
 *                            ({@code stagnation}); 0 disables; default 3
 * @param prices              prices by model name (prefix match), over the runner's defaults
 * @param taskOptions         background task timeouts, wait and output cap; null for defaults
 * @param sandbox             the sandbox of tool processes; null for defaults (sandboxed, network on)
 */
public record RunConfig(
        @JsonProperty(required = true) String provider,
        String model,
        String baseUrl,
        String script,
        @JsonProperty(required = true) String workdir,
        @JsonProperty(required = true) String runDir,
        double intervalS,
        boolean ask,
        Double permissionTimeoutS,
        Budget budget,
        ProviderOptions providerOptions,
        Integer contextWindow,
        Double compactThreshold,
        Integer stagnationLimit,
        Map<String, Price> prices,
        TaskOptions taskOptions,
        SandboxOptions sandbox) {
    public RunConfig {
        FieldException.required(provider, "config.provider");
        FieldException.required(workdir, "config.workdir");
        FieldException.required(runDir, "config.run_dir");
        FieldException.nonNegative(intervalS, "config.interval_s");
        if (permissionTimeoutS != null) {
            FieldException.nonNegative(permissionTimeoutS, "config.permission_timeout_s");
        }
        if (contextWindow != null && contextWindow < 1000) {
            throw new FieldException("config.context_window", "must be >= 1000 tokens, got " + contextWindow);
        }
        if (compactThreshold != null && !(compactThreshold > 0.05 && compactThreshold <= 0.95)) {
            throw new FieldException("config.compact_threshold", "must be in (0.05, 0.95], got " + compactThreshold);
        }
        if (stagnationLimit != null) {
            FieldException.nonNegative(stagnationLimit, "config.stagnation_limit");
        }
        prices = prices == null ? null : Map.copyOf(prices);
    }

    /** The sandbox in force: the given one, or the defaults. */
    public SandboxOptions sandboxOptions() {
        return sandbox == null ? SandboxOptions.DEFAULT : sandbox;
    }

    /** The same config for another run directory (each run of a lineage has its own). */
    public RunConfig withRunDir(String dir) {
        return new RunConfig(provider, model, baseUrl, script, workdir, dir, intervalS, ask, permissionTimeoutS,
                budget, providerOptions, contextWindow, compactThreshold, stagnationLimit, prices, taskOptions, sandbox);
    }

    /** The same config with other spending limits (a resume's). */
    public RunConfig withBudget(Budget limits) {
        return new RunConfig(provider, model, baseUrl, script, workdir, runDir, intervalS, ask, permissionTimeoutS,
                limits, providerOptions, contextWindow, compactThreshold, stagnationLimit, prices, taskOptions, sandbox);
    }

    /** A config with only what every run needs; the rest at defaults. */
    /**
     * The model a provider uses when the run names none (the scripted provider has none). The
     * daemon fills it into the config, so that {@code agent_runs.model} says which model ran.
     */
    public static String defaultModel(String provider) {
        return switch (provider) {
            case "anthropic" -> "claude-sonnet-4-5";
            case "openai" -> "gpt-4o-mini";
            default -> null;
        };
    }

    public static RunConfig minimal(String provider, String script, String workdir, String runDir) {
        return new RunConfig(provider, null, null, script, workdir, runDir, 0, false, null, null,
                null, null, null, null, null, null, null);
    }
}
