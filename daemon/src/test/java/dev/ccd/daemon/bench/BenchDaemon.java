package dev.ccd.daemon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.control.ControlClient;
import dev.ccd.daemon.testing.Db;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.process.ProcessTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real daemon process for the benchmarks, started as {@code ccd start} starts it (its own JVM,
 * the packaged jars), and spoken to over its socket. {@link #close} stops it and everything it ran.
 */
final class BenchDaemon implements AutoCloseable {
    final Path home;
    final Process process;
    private final Path root;

    private BenchDaemon(Path root, Path home, Process process) {
        this.root = root;
        this.home = home;
        this.process = process;
    }

    /** With {@code daemonArgs} after {@code --home} (e.g. {@code --http 0}). */
    static BenchDaemon start(Path root, Path home, String... daemonArgs) throws Exception {
        Files.createDirectories(home);
        List<String> cp = new ArrayList<>();
        cp.add(root.resolve("daemon/target/ccd-daemon.jar").toString());
        try (var jars = Files.list(root.resolve("daemon/target/lib"))) {
            jars.sorted().forEach(j -> cp.add(j.toString()));
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx256m", "-Dccd.runner.dir=" + root.resolve("runner/target"),
                "-cp", String.join(":", cp), "dev.ccd.daemon.DaemonMain", "--home", home.toString()));
        command.addAll(List.of(daemonArgs));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve("daemon.out").toFile()).start();
        BenchDaemon daemon = new BenchDaemon(root, home, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (ControlClient c = ControlClient.connect(home.resolve("run/ccd.sock"))) {
                c.call("daemon.status", null);
                return daemon;
            } catch (IOException | ControlClient.RpcError e) {
                if (!p.isAlive()) {
                    throw new IOException("daemon died: " + Files.readString(home.resolve("daemon.out")));
                }
                p.waitFor(20, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        daemon.close();
        throw new IOException("daemon did not answer in 20 s");
    }

    ControlClient client() throws IOException {
        return ControlClient.connect(home.resolve("run/ccd.sock"));
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        try (ControlClient c = client()) {
            return c.call(method, params);
        }
    }

    /** A scripted script of {@code turns} text-only turns, each a different summary. */
    Path script(String name, int turns) throws IOException {
        Path file = home.resolve(name + ".jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < turns; i++) {
            sb.append("{\"text\": \"iteration ").append(i).append(" done\"}\n");
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
        return file;
    }

    ObjectNode startParams(String name, Path script, double intervalS) {
        return MessageCodec.mapper().createObjectNode().put("name", name).put("template", "hello")
                .put("provider", "scripted").put("script", script.toString()).put("interval_s", intervalS)
                .put("max_tokens", "unlimited").put("max_cost_usd", "unlimited").put("stagnation_limit", 0);
    }

    /** The daemon's database file. */
    Path db() {
        return home.resolve("ccd.db");
    }

    /** A count from ccd.db on one kept connection: a poll must not cost a connection each time. */
    synchronized long count(String sql) {
        try {
            if (db == null) {
                db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ccd.db"));
            }
            try (var st = db.createStatement(); var rs = st.executeQuery(sql)) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (java.sql.SQLException e) {
            return Db.count(home.resolve("ccd.db"), sql);
        }
    }

    private java.sql.Connection db;

    @Override
    public void close() throws java.sql.SQLException {
        if (db != null) {
            db.close();
        }
        try {
            call("daemon.shutdown", null);
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // fall through to the kill
        }
        try {
            ProcessTree.killAndAwait(process.toHandle(), Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
