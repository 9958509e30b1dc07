package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.RealDaemon;
import dev.ccd.daemon.testing.SlurmCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runners placed on a real Slurm cluster ({@code scripts/slurm-local}: slurmctld and slurmd on
 * this machine) by a real daemon through srun; the scheduler's view is checked with squeue.
 */
class SlurmEndToEndTest extends RealDaemon {
    private static final String PREFIX = "ccd-slurm-";

    /**
     * Each test says why it is skipped, so the reports show it; where a cluster is promised
     * ({@code CCD_REQUIRE_SLURM=1}, as CI sets it) a missing one fails the test instead.
     */
    @BeforeEach
    void needsACluster() {
        String why = SlurmCluster.unavailable();
        if ("1".equals(System.getenv("CCD_REQUIRE_SLURM"))) {
            assertThat(why).as("CCD_REQUIRE_SLURM=1 but no cluster answers").isNull();
        }
        Assumptions.assumeTrue(why == null, why);
    }

    @AfterEach
    void cancelWhatATestLeft() {
        SlurmCluster.liveNamesStartingWith(PREFIX).forEach(SlurmCluster::cancel);
    }

    /** A script that keeps its run iterating for minutes, 0.2 s apart. */
    private Path longScript() throws IOException {
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            turns.add("{\"text\": \"turn " + i + "\"}");
        }
        return Files.write(tmp.resolve("long.jsonl"), turns, StandardCharsets.UTF_8);
    }

    private Cli.Result startOnSlurm(String name, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("agent", "start", name, "--template", "hello", "--script",
                longScript().toString(), "--workdir", Files.createDirectories(tmp.resolve("work-" + name)).toString(),
                "--interval", "0.2", "--on", "slurm"));
        args.addAll(List.of(more));
        return ccd.run(args.toArray(String[]::new));
    }

    private Map<String, Object> latestRun(String name) {
        return Db.query(home.resolve("ccd.db"), "SELECT * FROM agent_runs WHERE name = '" + name
                + "' ORDER BY started_at DESC, rowid DESC LIMIT 1").get(0);
    }

    private static String jobName(Map<String, Object> run) {
        return "ccd-" + run.get("name") + "-" + run.get("id");
    }

    @Test
    void aScriptedRunPlacedOnSlurmIteratesIntoTheRecord() throws IOException {
        startDaemon();

        Cli.Result start = startOnSlurm("slurm-iterates");

        assertThat(start.exitCode()).as(start.toString()).isZero();
        Map<String, Object> run = latestRun("slurm-iterates");
        assertThat(run.get("placement")).isEqualTo("slurm");
        await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(home.resolve("ccd.db"),
                "SELECT count(*) FROM agent_iterations WHERE status = 'ok' AND run_id = '" + run.get("id") + "'") >= 3);
        List<String> jobs = SlurmCluster.live(jobName(run));
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0)).startsWith(latestRun("slurm-iterates").get("slurm_job_id") + "|RUNNING|");
        Cli.Result status = ccd.run("agent", "status", "slurm-iterates");
        assertThat(status.out()).contains("running").contains("placement slurm, job "
                + latestRun("slurm-iterates").get("slurm_job_id") + ": RUNNING");
    }

    @Test
    void agentStopLeavesNothingInSqueue() throws IOException {
        startDaemon();
        assertThat(startOnSlurm("slurm-stop").exitCode()).isZero();
        Map<String, Object> run = latestRun("slurm-stop");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ((Number) latestRun("slurm-stop").get("last_iteration")).longValue() >= 1);

        Cli.Result stop = ccd.run("agent", "stop", "slurm-stop");

        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        assertThat(latestRun("slurm-stop").get("status")).isEqualTo("stopped");
        await().atMost(Duration.ofSeconds(20)).until(() -> SlurmCluster.live(jobName(run)).isEmpty());
        assertThat(SlurmCluster.any(jobName(run))).singleElement().asString().contains("|COMPLETED|");
    }

    @Test
    void aKilledDaemonLeavesItsRunnerAtTheEndOfItsInputSoTheJobEnds() throws IOException {
        long daemon = startDaemon();
        assertThat(startOnSlurm("slurm-orphan").exitCode()).isZero();
        Map<String, Object> run = latestRun("slurm-orphan");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ((Number) latestRun("slurm-orphan").get("last_iteration")).longValue() >= 1);

        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(20)).until(() -> SlurmCluster.live(jobName(run)).isEmpty());
        assertThat(SlurmCluster.any(jobName(run))).singleElement().asString().contains("|COMPLETED|");
    }

    @Test
    void aJobCancelledFromOutsideIsCrashedWithTheSchedulersReasonAndRestarted() throws IOException {
        startDaemon();
        assertThat(startOnSlurm("slurm-cancelled", "--restart", "on-crash", "--max-restarts", "1").exitCode()).isZero();
        Map<String, Object> first = latestRun("slurm-cancelled");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ((Number) latestRun("slurm-cancelled").get("last_iteration")).longValue() >= 1);

        SlurmCluster.cancel(jobName(first));

        await().atMost(Duration.ofSeconds(30)).until(() -> !latestRun("slurm-cancelled").get("id").equals(first.get("id")));
        Map<String, Object> crashed = Db.query(home.resolve("ccd.db"), "SELECT * FROM agent_runs WHERE id = '"
                + first.get("id") + "'").get(0);
        assertThat(crashed.get("status")).isEqualTo("crashed");
        assertThat((String) crashed.get("error")).startsWith("Slurm job " + first.get("slurm_job_id") + " CANCELLED");
        assertThat(crashed.get("placement_state")).asString().startsWith("CANCELLED");
        Map<String, Object> restart = latestRun("slurm-cancelled");
        assertThat(restart.get("restart_of")).isEqualTo(first.get("id"));
        assertThat(restart.get("placement")).isEqualTo("slurm");
        await().atMost(Duration.ofSeconds(30)).until(() -> "running".equals(latestRun("slurm-cancelled").get("status")));
        assertThat(latestRun("slurm-cancelled").get("slurm_job_id")).isNotEqualTo(first.get("slurm_job_id"));
        assertThat(ccd.run("agent", "stop", "slurm-cancelled").exitCode()).isZero();
    }

    @Test
    void aQueuedJobStoppedByItsUserIsStoppedAndLeavesNothingQueued() throws IOException {
        startDaemon();
        assertThat(startOnSlurm("slurm-queued-stop", "--slurm-args", "--begin=now+1hour").out()).contains("PENDING");
        Map<String, Object> run = latestRun("slurm-queued-stop");

        Cli.Result stop = ccd.run("agent", "stop", "slurm-queued-stop");

        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        Map<String, Object> ended = latestRun("slurm-queued-stop");
        assertThat(ended.get("status")).isEqualTo("stopped");
        assertThat((String) ended.get("error")).startsWith("Slurm job " + run.get("slurm_job_id") + " CANCELLED");
        await().atMost(Duration.ofSeconds(20)).until(() -> SlurmCluster.live(jobName(run)).isEmpty());
    }

    @Test
    void aJobSlurmRefusesIsAFailedStartInSrunsWordsAndNotRestarted() throws IOException {
        startDaemon();

        Cli.Result start = startOnSlurm("slurm-refused", "--slurm-args", "--partition=no-such-partition",
                "--restart", "on-crash");

        assertThat(start.exitCode()).as(start.toString()).isEqualTo(1);
        assertThat(start.err()).contains("did not start (failed)").contains("Invalid partition");
        assertThat(latestRun("slurm-refused").get("status")).isEqualTo("failed");
        assertThat(Db.count(home.resolve("ccd.db"), "SELECT count(*) FROM agent_runs WHERE name = 'slurm-refused'"))
                .isEqualTo(1);
        assertThat(ccd.run("agent", "status", "slurm-refused").out()).doesNotContain("restart pending");
    }

    @Test
    void aJobThatCannotBePlacedIsStartingWithTheReasonThenFailsAtItsPlacementTimeout() throws IOException {
        startDaemon();
        // more CPUs than any node has: Slurm keeps the job pending rather than refusing it
        String cpus = "--cpus-per-task=" + (SlurmCluster.maxCpusPerNode() + 1);

        Cli.Result start = startOnSlurm("slurm-pending", "--slurm-args", cpus, "--placement-timeout", "8");

        assertThat(start.exitCode()).as(start.toString()).isZero();
        assertThat(start.out()).contains("PENDING");
        Map<String, Object> run = latestRun("slurm-pending");
        assertThat(run.get("status")).isEqualTo("starting");
        List<String> queued = SlurmCluster.live(jobName(run));
        assertThat(queued).singleElement().asString().startsWith(run.get("slurm_job_id") + "|PENDING|");
        String reason = queued.get(0).split("\\|")[2];
        Cli.Result status = ccd.run("agent", "status", "slurm-pending");
        assertThat(status.out()).contains("slurm-pending: starting")
                .contains("job " + run.get("slurm_job_id") + ": PENDING (" + reason + ")");
        assertThat(ccd.run("agent", "logs", "slurm-pending").out()).contains("run_queued").contains(reason);

        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(latestRun("slurm-pending").get("status")));

        assertThat((String) latestRun("slurm-pending").get("error")).contains("PENDING (" + reason + ")")
                .contains("placement timeout of 8 s");
        await().atMost(Duration.ofSeconds(20)).until(() -> SlurmCluster.live(jobName(run)).isEmpty());
    }
}
