package dev.ccd.runner;

import dev.ccd.process.BubblewrapLauncher;
import dev.ccd.process.Launcher;
import dev.ccd.process.LocalLauncher;
import dev.ccd.protocol.SandboxOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Where a run's tool processes run: in its bubblewrap sandbox, or (sandbox off) as the runner does. */
final class Sandboxes {
    private Sandboxes() {
    }

    /**
     * @param workdir the run's workdir, real path
     * @throws IOException the sandbox is on and bwrap cannot be found: the run cannot keep its promise
     */
    static Launcher forRun(SandboxOptions options, Path workdir, Map<String, String> environment) throws IOException {
        if (!options.sandboxed()) {
            return LocalLauncher.instance();
        }
        Path bwrap = BubblewrapLauncher.find(environment);
        if (bwrap == null) {
            throw new IOException("the sandbox is on but bubblewrap (bwrap) is not on PATH: install it (Debian/Ubuntu:"
                    + " apt-get install bubblewrap), or start the agent with --sandbox off");
        }
        return new BubblewrapLauncher(bwrap, new BubblewrapLauncher.Policy(workdir, paths(options.readOnly()),
                paths(options.readWrite()), paths(options.hidden()), options.networked(), options.env()), environment);
    }

    private static List<Path> paths(List<String> paths) {
        return paths.stream().map(Path::of).toList();
    }
}
