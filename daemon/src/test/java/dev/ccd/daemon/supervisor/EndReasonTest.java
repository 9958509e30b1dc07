package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.supervisor.fakes.NewerRunner;
import dev.ccd.daemon.testing.Db;
import dev.ccd.protocol.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the daemon takes an {@code exit} whose reason it does not know (a newer runner's). */
class EndReasonTest {

    @TempDir
    Path tmp;
    CcdHome home;
    Store store;
    Supervisor supervisor;

    @BeforeEach
    void setUp() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        store = Store.open(home.db());
        supervisor = new Supervisor(home, store, new RunnerLauncher(
                Path.of(System.getProperty("java.home"), "bin", "java"), System.getProperty("java.class.path"),
                RunnerLauncher.defaultFlags(), NewerRunner.class.getName()));
    }

    @AfterEach
    void tearDown() {
        supervisor.shutdown();
        store.close();
    }

    @Test
    void anUnknownEndReasonFailsTheRunWithTheReasonGivenAndIsNoCrashToRestart() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        RunSpec spec = new RunSpec("newer", "hello", "# hello\nSay hello.", null, work,
                RunConfig.minimal("scripted", work.resolve("unused.jsonl").toString(), work.toString(), ""),
                RunSpec.RestartPolicy.ON_CRASH, 3, null);

        RunRow run = supervisor.start(spec);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.run(run.id()).orElseThrow().status() == RunStatus.FAILED);
        assertThat(store.run(run.id()).orElseThrow().error())
                .isEqualTo("failed: unknown end reason \"goal_reached\": the goal was met");
        assertThat(((Number) Db.scalar(home.db(), "SELECT count(*) FROM daemon_events WHERE kind IN"
                + " ('protocol_error', 'restart_scheduled')")).intValue()).isZero();
        assertThat(Db.scalar(home.db(), "SELECT status FROM agent_iterations WHERE run_id = '" + run.id() + "'"))
                .isEqualTo("ok");
    }
}
