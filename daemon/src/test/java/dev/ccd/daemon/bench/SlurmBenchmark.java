package dev.ccd.daemon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.testing.SlurmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * What placing runners on Slurm costs, against local runners on the same daemon: start → first
 * row (local and slurm alternating, so the machine's drift hits both), stop → job gone from
 * squeue, an outside scancel → crashed in ccd.db, and the memory of the local srun that stands
 * for each placed runner. Needs a cluster ({@code scripts/slurm-local start}, {@code SLURM_CONF});
 * run by {@code scripts/bench slurm}; not a test.
 */
public final class SlurmBenchmark {
    private static final int REPEAT = 10;

    public static void main(String[] args) throws Exception {
        String why = SlurmCluster.unavailable();
        if (why != null) {
            System.out.println("slurm: skipped: " + why);
            return;
        }
        Path root = Path.of(args.length > 0 ? args[0] : ".").toRealPath();
        Path home = Files.createTempDirectory("ccd-bench-slurm");
        try (BenchDaemon d = BenchDaemon.start(root, home)) {
            Measure.until(System.nanoTime(), () -> "ready".equals(call(d, "daemon.status", null)
                    .path("runner_archive").asText()), 120_000, 100);
            startStopAndCrash(d);
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static void startStopAndCrash(BenchDaemon d) throws Exception {
        List<Double> localRow = new ArrayList<>();
        List<Double> slurmRow = new ArrayList<>();
        List<Double> slurmReady = new ArrayList<>();
        List<Double> stopGone = new ArrayList<>();
        List<Double> crash = new ArrayList<>();
        List<Double> srunRss = new ArrayList<>();
        List<Double> srunPss = new ArrayList<>();
        Path script = d.script("slurm", 100);
        for (int i = 0; i < REPEAT + 2; i++) {
            boolean measured = i >= 2;
            double local = firstRow(d, "local-" + i, d.startParams("local-" + i, script, 3600));
            d.call("agent.stop", d.startParams("local-" + i, script, 0));
            String name = "slurm-" + i;
            double placed = firstRow(d, name, d.startParams(name, script, 3600).put("placement", "slurm"));
            JsonNode run = d.call("agent.status", d.startParams(name, script, 0)).path("run");
            String job = "ccd-" + name + "-" + run.path("id").asText();
            long srun = ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/srun"))
                    .orElse(false) && p.info().arguments().map(a -> String.join(" ", a).contains(job)).orElse(false))
                    .findFirst().orElseThrow().pid();
            if (measured) {
                localRow.add(local);
                slurmRow.add(placed);
                slurmReady.add(readyMs(d, name, script));
                srunRss.add(Measure.smaps(srun, "Rss") / 1024.0);
                srunPss.add(Measure.smaps(srun, "Pss") / 1024.0);
            }
            long t0 = System.nanoTime();
            CompletableFuture<JsonNode> stopped = CompletableFuture.supplyAsync(() -> call(d, "agent.stop",
                    d.startParams(name, script, 0)));
            long gone = Measure.until(t0, () -> SlurmCluster.live(job).isEmpty(), 30_000, 5);
            stopped.join();

            String victim = "scancel-" + i;
            JsonNode started = d.call("agent.start", d.startParams(victim, script, 3600).put("placement", "slurm"));
            String runId = started.path("id").asText();
            Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_iterations WHERE run_id = '"
                    + runId + "' AND status = 'ok'") > 0, 30_000);
            long k0 = System.nanoTime();
            SlurmCluster.cancel("ccd-" + victim + "-" + runId);
            long crashed = Measure.until(k0, () -> d.count("SELECT count(*) FROM agent_runs WHERE id = '" + runId
                    + "' AND status = 'crashed'") > 0, 30_000);
            if (measured) {
                stopGone.add(gone / 1e6);
                crash.add(crashed / 1e6);
            }
        }
        System.out.println("agent.start -> first row, local: " + Measure.summary(localRow)
                + "  [alternating with the slurm start below; request sent to the first agent_iterations row]");
        System.out.println("agent.start -> first row, slurm: " + Measure.summary(slurmRow)
                + "  [the same through srun on slurm-local: submission, scheduling, step launch, the runner JVM]");
        System.out.println("srun fork -> ready, slurm:       " + Measure.summary(slurmReady)
                + "  [the daemon's ready_ms: from the fork of srun to the ready line]");
        System.out.println("agent.stop -> job gone (squeue): " + Measure.summary(stopGone)
                + "  [request sent until squeue lists the job no more]");
        System.out.println("scancel -> crashed in SQLite:    " + Measure.summary(crash)
                + "  [scancel of a running job from outside until status 'crashed', with the scheduler's reason]");
        System.out.printf("local srun per placed runner:    RSS %.1f MiB, PSS %.1f MiB (medians)%n",
                Measure.median(srunRss), Measure.median(srunPss));
    }

    private static double firstRow(BenchDaemon d, String name, ObjectNode params) {
        long t0 = System.nanoTime();
        CompletableFuture<JsonNode> started = CompletableFuture.supplyAsync(() -> call(d, "agent.start", params));
        long row = Measure.until(t0, () -> d.count("SELECT count(*) FROM agent_iterations i JOIN agent_runs r"
                + " ON r.id = i.run_id WHERE r.name = '" + name + "'") > 0, 30_000);
        started.join();
        return row / 1e6;
    }

    private static double readyMs(BenchDaemon d, String name, Path script) throws Exception {
        for (JsonNode e : d.call("agent.logs", d.startParams(name, script, 0).put("n", 100)).path("events")) {
            if (e.path("kind").asText().equals("run_started")) {
                return e.path("payload").path("ready_ms").asDouble();
            }
        }
        return Double.NaN;
    }

    private static JsonNode call(BenchDaemon d, String method, ObjectNode params) {
        try {
            return d.call(method, params);
        } catch (Exception e) {
            throw new IllegalStateException(method + ": " + e.getMessage(), e);
        }
    }
}
