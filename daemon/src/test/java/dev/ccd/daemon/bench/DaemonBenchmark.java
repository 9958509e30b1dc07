package dev.ccd.daemon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.control.ControlClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The supervisor's numbers (BENCHMARKS.md), measured on a real daemon process with real
 * runner JVMs and the scripted provider. Run by {@code scripts/bench daemon}; not a test. Each
 * figure prints its method. Timings are taken in this process, which talks to the daemon over its
 * socket and watches SQLite and /proc as a user's tool would.
 */
public final class DaemonBenchmark {
    private static final int REPEAT = 15;

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toRealPath();
        Path home = Files.createTempDirectory("ccd-bench");
        try (BenchDaemon daemon = BenchDaemon.start(root, home)) {
            // The class-data archive is made on first use, in the background: measure with it.
            long waited = Measure.until(System.nanoTime(), () -> "ready".equals(
                    call(daemon, "daemon.status", null).path("runner_archive").asText()), 120_000, 100);
            System.out.println("runner class-data archive: " + call(daemon, "daemon.status", null).path("runner_archive")
                    .asText() + (waited > 0 ? String.format(" (waited %.1f s for it)", waited / 1e9) : ""));
            readyAndFirstRow(daemon);
            stopAndCrash(daemon);
            memory(daemon);
            rowsPerSecond(daemon, false);
            rowsPerSecond(daemon, true);
            hundredRunners(daemon);
        }
        try {
            orphanedRunners(root, home);
        } finally {
            // the home holds every run's logs and the database: ~20 MB per benchmark
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** spawn → ready (the daemon's own measure), and agent.start sent → first agent_iterations row. */
    static void readyAndFirstRow(BenchDaemon d) throws Exception {
        List<Double> ready = new ArrayList<>();
        List<Double> firstRow = new ArrayList<>();
        Path script = d.script("ready", 100);
        for (int i = 0; i < REPEAT + 2; i++) {
            String name = "ready-" + i;
            long t0 = System.nanoTime();
            CompletableFuture<JsonNode> started = CompletableFuture.supplyAsync(() -> call(d, "agent.start",
                    d.startParams(name, script, 3600)));
            long rowNanos = Measure.until(t0, () -> d.count("SELECT count(*) FROM agent_iterations i JOIN agent_runs r"
                    + " ON r.id = i.run_id WHERE r.name = '" + name + "'") > 0, 10_000);
            JsonNode run = started.join();
            JsonNode event = d.call("agent.logs", d.startParams(name, script, 0).put("n", 100)).path("events");
            for (JsonNode e : event) {
                if (e.path("kind").asText().equals("run_started") && i >= 2) {
                    ready.add(e.path("payload").path("ready_ms").asDouble());
                }
            }
            if (i >= 2) {
                firstRow.add(rowNanos / 1e6);
            }
            d.call("agent.stop", d.startParams(name, script, 0));
            if (run == null) {
                throw new IllegalStateException("start failed");
            }
        }
        System.out.println("spawn -> ready:                 " + Measure.summary(ready)
                + "  [daemon: process start to the ready message; 2 warm-up runs dropped]");
        System.out.println("agent.start -> first row:       " + Measure.summary(firstRow)
                + "  [request sent on an open socket to the first agent_iterations row visible in ccd.db]");
    }

    /** agent.stop → runner process gone; kill -9 of a runner → its run crashed in SQLite. */
    static void stopAndCrash(BenchDaemon d) throws Exception {
        List<Double> stop = new ArrayList<>();
        List<Double> crash = new ArrayList<>();
        Path script = d.script("stop", 100);
        for (int i = 0; i < REPEAT + 2; i++) {
            String name = "stop-" + i;
            long pid = d.call("agent.start", d.startParams(name, script, 3600)).path("pid").asLong();
            Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_iterations i JOIN agent_runs r"
                    + " ON r.id = i.run_id WHERE r.name = '" + name + "' AND i.status = 'ok'") > 0, 10_000);
            long t0 = System.nanoTime();
            CompletableFuture<JsonNode> stopped = CompletableFuture.supplyAsync(() -> call(d, "agent.stop",
                    d.startParams(name, script, 0)));
            long gone = Measure.until(t0, () -> Measure.gone(pid), 10_000);
            stopped.join();
            if (i >= 2) {
                stop.add(gone / 1e6);
            }

            String victim = "crash-" + i;
            JsonNode run = d.call("agent.start", d.startParams(victim, script, 3600));
            long victimPid = run.path("pid").asLong();
            String runId = run.path("id").asText();
            // as for stop: a run that is under way (its first iteration done), not one starting up
            Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_iterations WHERE run_id = '"
                    + runId + "' AND status = 'ok'") > 0, 10_000);
            long k0 = System.nanoTime();
            ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
            long crashed = Measure.until(k0, () -> d.count("SELECT count(*) FROM agent_runs WHERE id = '" + runId
                    + "' AND status = 'crashed'") > 0, 10_000);
            if (i >= 2) {
                crash.add(crashed / 1e6);
            }
        }
        System.out.println("agent.stop -> runner gone:      " + Measure.summary(stop)
                + "  [request sent to the runner's pid gone from /proc (or a zombie)]");
        System.out.println("kill -9 -> crashed in SQLite:   " + Measure.summary(crash)
                + "  [SIGKILL from this process, to a runner past its first iteration, to status 'crashed' visible in ccd.db]");
    }

    /** Runner RSS and PSS with 1 and with 10 idle runners; daemon RSS and idle CPU with 50. */
    static void memory(BenchDaemon d) throws Exception {
        Path script = d.script("idle", 10);
        List<Long> pids = new ArrayList<>();
        for (int n : new int[] {1, 10, 50}) {
            while (pids.size() < n) {
                String name = "idle-" + pids.size();
                pids.add(d.call("agent.start", d.startParams(name, script, 3600)).path("pid").asLong());
            }
            Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_iterations WHERE status = 'ok'"
                    + " AND run_id IN (SELECT id FROM agent_runs WHERE name LIKE 'idle-%')") >= n, 60_000);
            if (n <= 10) {
                List<Double> rss = new ArrayList<>();
                List<Double> pss = new ArrayList<>();
                for (long pid : pids) {
                    rss.add(Measure.smaps(pid, "Rss") / 1024.0);
                    pss.add(Measure.smaps(pid, "Pss") / 1024.0);
                }
                System.out.printf("runner memory, %2d idle runners: RSS median %.1f MiB, PSS median %.1f MiB"
                        + "  [/proc/PID/smaps_rollup after the first iteration]%n", n, Measure.median(rss), Measure.median(pss));
            } else {
                long daemonPid = d.process.pid();
                long t0 = Measure.cpuTicks(daemonPid);
                long w0 = System.nanoTime();
                d.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                long ticks = Measure.cpuTicks(daemonPid) - t0;
                double seconds = (System.nanoTime() - w0) / 1e9;
                System.out.printf("daemon with %d idle runners: RSS %.1f MiB, CPU %.2f %% of one core"
                        + "  [smaps_rollup; utime+stime over %.0f s]%n", n, Measure.smaps(daemonPid, "Rss") / 1024.0,
                        100.0 * ticks / 100.0 / seconds, seconds);
            }
        }
        for (int i = 0; i < pids.size(); i++) {
            d.call("agent.stop", d.startParams("idle-" + i, script, 0));
        }
    }

    /**
     * Iteration rows persisted per second through runner → pipe → daemon → SQLite, zero interval:
     * one run of 60,000 iterations, timed afterwards from the daemon's own timestamps in
     * {@code agent_iterations} (so no polling competes with the writer it measures). Reported for
     * the first 20,000 (cold JVMs: the first second is JIT warm-up in both) and for the rest.
     */
    static void rowsPerSecond(BenchDaemon d, boolean outsideReader) throws Exception {
        int rows = 60_000;
        int cold = 20_000;
        String name = outsideReader ? "rows-read" : "rows";
        Path script = d.script(name, rows);
        // as a dashboard or a user's `watch sqlite3` would: its own connection, agent_runs every 100 ms
        java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(outsideReader);
        java.util.concurrent.atomic.AtomicLong polls = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = new Thread(() -> {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + d.db())) {
                while (reading.get()) {
                    try (var st = c.createStatement(); var rs = st.executeQuery("SELECT * FROM agent_runs")) {
                        while (rs.next()) {
                            rs.getString(1);
                        }
                    }
                    polls.incrementAndGet();
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
            } catch (java.sql.SQLException e) {
                System.out.println("outside reader failed: " + e.getMessage());
            }
        }, "outside-reader");
        if (outsideReader) {
            reader.start();
        }
        JsonNode run = d.call("agent.start", d.startParams(name, script, 0));
        String runId = run.path("id").asText();
        Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_runs WHERE id = '" + runId
                + "' AND ended_at IS NOT NULL") == 1, 300_000, 100);
        reading.set(false);
        if (outsideReader) {
            reader.join();
        }
        long persisted = d.count("SELECT count(*) FROM agent_iterations WHERE run_id = '" + runId + "' AND status = 'ok'");
        double[] rates = rowsPerSecond(d, runId, cold, rows);
        System.out.printf("iteration rows persisted%s %.0f rows/s for the first %,d, %.0f rows/s for the next %,d"
                        + "  [one run of %,d iterations of the scripted model, interval 0 (%,d 'ok' rows);"
                        + " timed from agent_iterations' own timestamps%s]%n",
                outsideReader ? ", outside reader:" : ":               ", rates[0], cold,
                rates[1], rows - cold, rows, persisted,
                outsideReader ? "; " + polls.get() + " polls of agent_runs by another connection, every 100 ms" : "");
    }

    /** Rows/s of an ended run from its rows' own timestamps: iterations 1 to {@code cold}, then the rest. */
    static double[] rowsPerSecond(BenchDaemon d, String runId, int cold, int rows) {
        String ms = "SELECT CAST(round((julianday(b.ended_at) - julianday(a.%s)) * 86400000) AS INTEGER)"
                + " FROM agent_iterations a, agent_iterations b WHERE a.run_id = '" + runId + "' AND b.run_id = a.run_id"
                + " AND a.iteration = %d AND b.iteration = %d";
        long coldMs = d.count(String.format(ms, "started_at", 1, cold));
        long warmMs = d.count(String.format(ms, "ended_at", cold, rows));
        return new double[] {cold * 1000.0 / coldMs, (rows - cold) * 1000.0 / warmMs};
    }

    /**
     * The daemon killed with SIGKILL (no chance to stop anything): how long its runners outlive
     * it. Each sees its stdin end and stops itself. 5 rounds of a fresh daemon with 3 runners.
     */
    static void orphanedRunners(Path root, Path base) throws Exception {
        List<Double> gone = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            Path home = base.resolve("orphans-" + round);
            try (BenchDaemon d = BenchDaemon.start(root, home)) {
                Path script = d.script("orphan", 100);
                List<Long> pids = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    pids.add(d.call("agent.start", d.startParams("orphan-" + i, script, 3600)).path("pid").asLong());
                }
                Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_iterations WHERE status = 'ok'")
                        >= 3, 30_000);
                long t0 = System.nanoTime();
                d.process.destroyForcibly();
                gone.add(Measure.until(t0, () -> pids.stream().allMatch(Measure::gone), 30_000) / 1e6);
            }
        }
        System.out.println("daemon kill -9 -> runners gone:  " + Measure.summary(gone)
                + "  [3 runners past their first iteration; each stops itself at the end of its stdin]");
    }

    /** 100 runners started concurrently, all running, then the daemon stopped: nothing left. */
    static void hundredRunners(BenchDaemon d) throws Exception {
        Path script = d.script("hundred", 10);
        long t0 = System.nanoTime();
        List<CompletableFuture<JsonNode>> starts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String name = "hundred-" + i;
            starts.add(CompletableFuture.supplyAsync(() -> call(d, "agent.start", d.startParams(name, script, 3600))));
        }
        List<Long> pids = new ArrayList<>();
        for (CompletableFuture<JsonNode> s : starts) {
            pids.add(s.join().path("pid").asLong());
        }
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        long running = d.count("SELECT count(*) FROM agent_runs WHERE name LIKE 'hundred-%' AND status = 'running'");
        long s0 = System.nanoTime();
        d.call("daemon.shutdown", null);
        d.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        double stopSeconds = (System.nanoTime() - s0) / 1e9;
        long left = pids.stream().filter(pid -> !Measure.gone(pid)).count();
        System.out.printf("100 concurrent runners:         all started in %.1f s (%d running); daemon stop ended them in"
                + " %.1f s; %d runner processes left%n", startSeconds, running, stopSeconds, left);
    }

    private static JsonNode call(BenchDaemon d, String method, com.fasterxml.jackson.databind.node.ObjectNode params) {
        try (ControlClient c = d.client()) {
            return c.call(method, params);
        } catch (Exception e) {
            throw new IllegalStateException(method + ": " + e.getMessage(), e);
        }
    }
}
