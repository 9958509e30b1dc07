package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.Store;
import dev.ccd.protocol.RunConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A real store in a temporary home, and supervisors of real runner JVMs that end with the test. */
abstract class SupervisorFixture {
    @TempDir
    Path tmp;
    CcdHome home;
    Store store;
    final List<Supervisor> supervisors = new ArrayList<>();

    @BeforeEach
    void openStore() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        store = Store.open(home.db());
    }

    @AfterEach
    void shutDown() {
        supervisors.forEach(Supervisor::shutdown);
        store.close();
    }

    /** A supervisor of the real runner (null), or of a fake runner main. */
    Supervisor supervisor(Class<?> fakeMain) throws Exception {
        return supervisor(fakeMain, Liveness.Settings.DEFAULTS);
    }

    /** As {@link #supervisor(Class)}, pinging its runners as {@code liveness} says. */
    Supervisor supervisor(Class<?> fakeMain, Liveness.Settings liveness) throws Exception {
        RunnerLauncher launcher = fakeMain == null
                ? RunnerLauncher.fromEnvironment()
                : new RunnerLauncher(Path.of(System.getProperty("java.home"), "bin", "java"),
                        System.getProperty("java.class.path"), RunnerLauncher.defaultFlags(), fakeMain.getName());
        Supervisor supervisor = new Supervisor(home, store, launcher, liveness);
        supervisors.add(supervisor);
        return supervisor;
    }

    /** A scripted run that goes on for minutes unless stopped: 500 iterations of a 0.1 s command. */
    RunSpec spec(String name, RunSpec.RestartPolicy restart, int maxRestarts) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work-" + name));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            lines.add("{\"text\": \"\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"sleep 0.1\"}}]}");
            lines.add("{\"text\": \"slept " + i + "\"}");
        }
        Path script = tmp.resolve("script-" + name + ".jsonl");
        Files.write(script, lines, StandardCharsets.UTF_8);
        return new RunSpec(name, "hello", "# hello\nSay hello.", null, work,
                RunConfig.minimal("scripted", script.toString(), work.toString(), ""), restart, maxRestarts, null);
    }
}
