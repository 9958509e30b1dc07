package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

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
        Budget budget) {
    public RunConfig {
        FieldException.required(provider, "config.provider");
        FieldException.required(workdir, "config.workdir");
        FieldException.required(runDir, "config.run_dir");
        FieldException.nonNegative(intervalS, "config.interval_s");
        if (permissionTimeoutS != null) {
            FieldException.nonNegative(permissionTimeoutS, "config.permission_timeout_s");
        }
    }
}
