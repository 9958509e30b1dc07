package dev.ccd.daemon.supervisor;

import dev.ccd.protocol.RunConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything needed to start (and restart) a run, validated by the control layer before it
 * gets here.
 *
 * @param config  the runner's configuration; its {@code run_dir} is set per run
 * @param secrets environment variables for the runner only (API keys the CLI passed on): kept in
 *                memory, never written anywhere
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
        Map<String, String> secrets) {

    public enum RestartPolicy { NEVER, ON_CRASH }

    public RunSpec {
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
    }

    /** Secrets stay out of logs and error messages. */
    @Override
    public String toString() {
        return "RunSpec[" + name + ", template " + templateName + ", provider " + config.provider() + "]";
    }
}
