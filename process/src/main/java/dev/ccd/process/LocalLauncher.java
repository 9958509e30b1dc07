package dev.ccd.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Forks on this machine. A command asking for a new session is started under {@code setsid}: the
 * forked child is not a group leader, so setsid(1) calls setsid(2) and execs the program in place,
 * and the program's pid is its session's and group's id.
 */
public final class LocalLauncher implements Launcher {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final LocalLauncher INSTANCE = new LocalLauncher();

    private final boolean sessions = Files.isExecutable(SETSID);

    private LocalLauncher() {
    }

    public static LocalLauncher instance() {
        return INSTANCE;
    }

    @Override
    public ManagedProcess start(Command command) throws IOException {
        boolean ownGroup = command.newSession() && sessions;
        List<String> argv = new ArrayList<>();
        if (ownGroup) {
            argv.add(SETSID.toString());
        }
        argv.addAll(command.argv());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(command.workdir().toFile())
                .redirectInput(command.stdin())
                .redirectOutput(command.stdout())
                .redirectError(command.stderr())
                .redirectErrorStream(command.mergeStderr());
        if (!command.inheritEnvironment()) {
            builder.environment().clear();
        }
        builder.environment().putAll(command.environment());
        Process process = builder.start();
        return new ManagedProcess(process, new TreeAndGroup(process, ownGroup));
    }
}
