package dev.ccd.daemon.supervisor;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.RunConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything needed to start (and restart) a run, validated by the control layer before it
 * gets here.
 *
 * @param config  the runner's configuration; its {@code run_dir} is set per run
 * @param secrets environment variables for the runner only (its provider's API key and base URL, as
 *                the CLI passed them on, else the daemon's own key): added to the runner's
 *                environment, kept in memory, never written anywhere
 * @param placement where its runner runs ({@link Placement#LOCAL} unless the start asked for Slurm)
 * @param resumeOnStart whether a daemon start resumes the run when it finds it interrupted
 */
public record RunSpec(
        String name,
        String templateName,
        String templateText,
        String args,
        Path workdir,
        RunConfig config,
        RestartPolicy restart,
        int maxRestarts,
        Map<String, String> secrets,
        Placement placement,
        boolean resumeOnStart) {

    public enum RestartPolicy { NEVER, ON_CRASH }

    public RunSpec {
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        placement = placement == null ? Placement.LOCAL : placement;
    }

    /**
     * A run placed on this machine, resumed on start exactly when it restarts on crashes (the
     * default of {@code resume_on_start}).
     */
    public RunSpec(String name, String templateName, String templateText, String args, Path workdir, RunConfig config,
            RestartPolicy restart, int maxRestarts, Map<String, String> secrets) {
        this(name, templateName, templateText, args, workdir, config, restart, maxRestarts, secrets, Placement.LOCAL,
                restart == RestartPolicy.ON_CRASH);
    }

    /** The same run with another budget: one raised at a pause. */
    RunSpec withBudget(Budget budget) {
        return resumedWith(config.withBudget(budget), secrets);
    }

    /** The same run with other limits and secrets: a resume's. */
    RunSpec resumedWith(RunConfig newConfig, Map<String, String> newSecrets) {
        return new RunSpec(name, templateName, templateText, args, workdir, newConfig, restart, maxRestarts, newSecrets,
                placement, resumeOnStart);
    }

    /** {@code agent_runs.sandbox}: {@code on} when the run's tool processes are sandboxed, else {@code off}. */
    public String sandboxWord() {
        return config.sandboxOptions().sandboxed() ? "on" : "off";
    }

    /** {@code agent_runs.network}: whether tool processes have the network; unsandboxed ones always do. */
    public String networkWord() {
        return !config.sandboxOptions().sandboxed() || config.sandboxOptions().networked() ? "on" : "off";
    }

    /** Secrets stay out of logs and error messages. */
    @Override
    public String toString() {
        return "RunSpec[" + name + ", template " + templateName + ", provider " + config.provider() + "]";
    }
}
