package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.control.JsonTrees;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/** {@code ccd agent start NAME --template T ...}: starts a run and waits for its handshake. */
@CommandLine.Command(name = "start", description = "Start an agent run from a template.")
final class AgentStartCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME", description = "agent name: [a-z0-9][a-z0-9._-]{0,63}")
    String name;

    @CommandLine.Option(names = "--template", required = true, paramLabel = "T", description = "template name or path to a .md file")
    String template;

    @CommandLine.Option(names = "--args", paramLabel = "TEXT", description = "arguments given to the program")
    String args;

    @CommandLine.Option(names = "--workdir", paramLabel = "DIR", description = "working directory (default: $CCD_HOME/workspaces/NAME)")
    Path workdir;

    @CommandLine.Option(names = "--provider", paramLabel = "P", description = "anthropic, openai or scripted (default: config.json's; else scripted with --script; else the provider whose API key is set)")
    String provider;

    @CommandLine.Option(names = "--model", paramLabel = "M")
    String model;

    @CommandLine.Option(names = "--base-url", paramLabel = "URL")
    String baseUrl;

    @CommandLine.Option(names = "--script", paramLabel = "FILE", description = "JSONL model turns for the scripted provider")
    Path script;

    @CommandLine.Option(names = "--interval", paramLabel = "SECONDS", description = "pause between iterations (default 0)")
    String interval;

    @CommandLine.Option(names = "--ask", description = "mutating tool calls need approval")
    boolean ask;

    @CommandLine.Option(names = "--max-iterations", paramLabel = "N", description = "stop after N iterations, or 'unlimited'")
    String maxIterations;

    @CommandLine.Option(names = "--max-tokens", paramLabel = "N",
            description = "token budget (in + out), or 'unlimited'; default 2000000 or config.json")
    String maxTokens;

    @CommandLine.Option(names = "--max-cost", paramLabel = "USD",
            description = "cost budget in US dollars, or 'unlimited'; default 5 or config.json")
    String maxCost;

    @CommandLine.Option(names = "--permission-timeout", paramLabel = "SECONDS",
            description = "with --ask: an unanswered request is denied after this long (default 1800)")
    String permissionTimeout;

    @CommandLine.Option(names = "--restart", paramLabel = "POLICY", description = "never or on-crash (default never)")
    String restart;

    @CommandLine.Option(names = "--max-restarts", paramLabel = "N", description = "default 3")
    String maxRestarts;

    @CommandLine.Option(names = "--resume-on-start", negatable = true, fallbackValue = "true",
            description = "resume the run when a daemon start finds it interrupted (default: on with --restart"
                    + " on-crash, else off; --no-resume-on-start turns it off)")
    Boolean resumeOnStart;

    @CommandLine.Option(names = "--sandbox", paramLabel = "on|off",
            description = "run the agent's tools in a bubblewrap sandbox (default on, or config.json)")
    String sandbox;

    @CommandLine.Option(names = "--network", paramLabel = "on|off",
            description = "whether sandboxed tools have the network (default on, or config.json)")
    String network;

    @CommandLine.Option(names = "--cache-ttl", paramLabel = "5m|1h|off",
            description = "Anthropic prompt-cache lifetime (default 5m, the template's, or config.json)")
    String cacheTtl;

    @CommandLine.Option(names = "--stream", paramLabel = "on|off",
            description = "stream the model's replies (default on, or config.json)")
    String stream;

    @CommandLine.Option(names = "--on", paramLabel = "local|slurm",
            description = "where the runner runs: forked here, or a Slurm job through srun (default local, or config.json)")
    String on;

    @CommandLine.Option(names = "--slurm-args", paramLabel = "\"OPTIONS\"",
            description = "srun options for --on slurm, e.g. \"--partition=gpu --gres=gpu:1 --time=08:00:00\"")
    String slurmArgs;

    @CommandLine.Option(names = "--placement-timeout", paramLabel = "SECONDS",
            description = "with --on slurm: how long the job may wait for a node before the start fails (default 600)")
    String placementTimeout;
    /** API keys travel from this shell to the runner's environment only: never stored. */
    static ObjectNode providerEnvironment() {
        ObjectNode env = JsonTrees.object();
        for (String var : new String[] {"ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"}) {
            String value = System.getenv(var);
            if (value != null && !value.isEmpty()) {
                env.put(var, value);
            }
        }
        return env;
    }

    @Override
    public Integer call() {
        ObjectNode p = params().put("name", name);
        // Paths are the user's, relative to where they typed the command, not to the daemon.
        p.put("template", template.contains("/") || template.endsWith(".md")
                ? Path.of(template).toAbsolutePath().normalize().toString() : template);
        putIfSet(p, "args", args);
        if (workdir != null) {
            p.put("workdir", workdir.toAbsolutePath().normalize().toString());
        }
        // the workdir of a template made for the repository at hand (autoresearch's)
        p.put("cwd", Path.of("").toAbsolutePath().toString());
        putIfSet(p, "provider", provider);
        putIfSet(p, "model", model);
        putIfSet(p, "base_url", baseUrl);
        if (script != null) {
            p.put("script", script.toAbsolutePath().normalize().toString());
        }
        Double intervalS = Numbers.decimal("--interval", interval, 0, 86_400, "seconds");
        if (intervalS != null) {
            p.put("interval_s", intervalS);
        }
        if (ask) {
            p.put("ask", true);
        }
        Object iterations = Numbers.wholeOrUnlimited("--max-iterations", maxIterations, 1, Integer.MAX_VALUE, "iterations");
        if (iterations instanceof Long n) {
            p.put("max_iterations", n);
        } else if (iterations != null) {
            p.put("max_iterations", Numbers.UNLIMITED);
        }
        BudgetOptions.put(p, "max_tokens", "--max-tokens", maxTokens, true);
        BudgetOptions.put(p, "max_cost_usd", "--max-cost", maxCost, false);
        Double permissionTimeoutS = Numbers.decimal("--permission-timeout", permissionTimeout, 1, 7 * 86_400, "seconds");
        if (permissionTimeoutS != null) {
            p.put("permission_timeout_s", permissionTimeoutS);
        }
        putIfSet(p, "restart", restart);
        Long restarts = Numbers.whole("--max-restarts", maxRestarts, 0, 1000, "restarts");
        if (restarts != null) {
            p.put("max_restarts", restarts);
        }
        if (resumeOnStart != null) {
            p.put("resume_on_start", resumeOnStart);
        }
        if (cacheTtl != null && !List.of("5m", "1h", "off").contains(cacheTtl)) {
            throw new CliException(ExitCodes.USAGE, "--cache-ttl " + cacheTtl + ": must be 5m, 1h or off");
        }
        putIfSet(p, "cache_ttl", cacheTtl);
        Boolean streamed = onOff("--stream", stream);
        if (streamed != null) {
            p.put("stream", streamed);
        }
        Boolean sandboxed = onOff("--sandbox", sandbox);
        Boolean networked = onOff("--network", network);
        if (Boolean.FALSE.equals(sandboxed) && Boolean.FALSE.equals(networked)) {
            throw new CliException(ExitCodes.USAGE, "--network off needs the sandbox, and --sandbox is off: without"
                    + " the sandbox, tools have the host's network");
        }
        if (sandboxed != null) {
            p.put("sandbox", sandboxed);
        }
        if (networked != null) {
            p.put("network", networked);
        }
        putIfSet(p, "placement", on);
        putIfSet(p, "slurm_args", slurmArgs);
        Double placementTimeoutS = Numbers.decimal("--placement-timeout", placementTimeout, 1, 7 * 86_400, "seconds");
        if (placementTimeoutS != null) {
            p.put("placement_timeout_s", placementTimeoutS);
        }
        ObjectNode env = providerEnvironment();
        if (!env.isEmpty()) {
            p.set("env", env);
        }
        JsonNode run = call("agent.start", p);
        for (JsonNode warning : run.path("warnings")) {
            err().println("ccd: warning: " + warning.asText());
        }
        String status = run.path("status").asText();
        if (status.equals("failed") || status.equals("crashed")) {
            // it started, and ended at once; a configuration the runner refused (a script with a
            // bad line, say) is the command's fault: a usage error
            int code = "bad_config".equals(run.path("end_reason").asText()) ? ExitCodes.USAGE : ExitCodes.FAILED;
            throw new CliException(code, name + ": run " + run.path("id").asText() + " " + status
                    + " at start" + (run.hasNonNull("error") ? ": " + run.path("error").asText() : "")
                    + (status.equals("crashed") ? " (see ccd agent status " + name + " for a pending restart)" : ""));
        }
        if (run.path("status").asText().equals("starting") && run.hasNonNull("placement_state")) {
            out().printf("started %s: run %s, Slurm job %s %s%n", name, run.path("id").asText(),
                    run.path("slurm_job_id").asText("?"), run.path("placement_state").asText());
            return ExitCodes.OK;
        }
        boolean ended = run.hasNonNull("ended_at");
        if (ended) {
            out().printf("started %s: run %s ended at once, %s%n", name, run.path("id").asText(),
                    AgentStatusCommand.statusAndReason(run));
        } else {
            out().printf("started %s: run %s, pid %d, status %s%n", name, run.path("id").asText(),
                    run.path("pid").asLong(), status);
        }
        if (!run.path("args").asText("").equals(args == null ? "" : args.strip())) {
            out().printf("  args %s (the template's defaults for this workdir)%n", run.path("args").asText());
        }
        if (ended) {
            return ExitCodes.OK;
        }
        if (workdir == null) {
            out().println("  workdir " + run.path("workdir").asText());
        }
        out().println("  provider " + run.path("provider").asText()
                + (run.path("model").asText("").isEmpty() ? "" : ", model " + run.path("model").asText()));
        return ExitCodes.OK;
    }

    /** An on/off option: null when not given; another word is a usage error naming the option. */
    private static Boolean onOff(String option, String value) {
        if (value == null) {
            return null;
        }
        if (!value.equals("on") && !value.equals("off")) {
            throw new CliException(ExitCodes.USAGE, option + " " + value + ": must be on or off");
        }
        return value.equals("on");
    }

    private static void putIfSet(ObjectNode p, String field, String value) {
        if (value != null) {
            p.put(field, value);
        }
    }
}
