package dev.ccd.daemon.supervisor;

import dev.ccd.protocol.Budget;
import java.nio.file.Path;

/**
 * Everything needed to start (and restart) a run, validated by the control layer before it
 * gets here.
 */
public record RunSpec(
        String name,
        String templateName,
        String templateText,
        String args,
        Path workdir,
        String provider,
        String model,
        String baseUrl,
        Path script,
        double intervalS,
        boolean ask,
        Double permissionTimeoutS,
        Budget budget,
        RestartPolicy restart,
        int maxRestarts) {

    public enum RestartPolicy { NEVER, ON_CRASH }
}
