package dev.ccd.runner;

import dev.ccd.process.BubblewrapLauncher;
import dev.ccd.process.Launcher;
import dev.ccd.process.LocalLauncher;
import dev.ccd.protocol.SandboxOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where a run's tool processes run: in its bubblewrap sandbox, or (sandbox off) as the runner does. */
final class Sandboxes {
    private Sandboxes() {
    }

    /**
     * @param workdir the run's workdir, real path
     * @throws IOException the sandbox is on and bwrap cannot be found: the run cannot keep its promise
     */
    static Launcher forRun(SandboxOptions options, Path workdir, String runDir, Map<String, String> environment)
            throws IOException {
        if (!options.sandboxed()) {
            return LocalLauncher.instance();
        }
        Path bwrap = BubblewrapLauncher.find(environment);
        if (bwrap == null) {
            throw new IOException("the sandbox is on but bubblewrap (bwrap) is not on PATH: install it (Debian/Ubuntu:"
                    + " apt-get install bubblewrap), or start the agent with --sandbox off");
        }
        List<Path> hidden = new ArrayList<>(paths(options.hidden()));
        home(runDir).ifPresent(hidden::add);
        return new BubblewrapLauncher(bwrap, new BubblewrapLauncher.Policy(workdir, paths(options.readOnly()),
                paths(options.readWrite()), hidden, options.networked(), options.env()), environment);
    }

    /**
     * The daemon's home, from the run's directory ({@code HOME/runs/RUN}): hidden whatever the
     * daemon listed, so that no config can leave the record, the socket or other runs in view.
     */
    private static Optional<Path> home(String runDir) {
        if (runDir == null || runDir.isBlank()) {
            return Optional.empty();
        }
        Path runs = Path.of(runDir).toAbsolutePath().normalize().getParent();
        return runs != null && runs.getFileName() != null && runs.getFileName().toString().equals("runs")
                ? Optional.ofNullable(runs.getParent()) : Optional.empty();
    }

    private static List<Path> paths(List<String> paths) {
        return paths.stream().map(Path::of).toList();
    }
}
