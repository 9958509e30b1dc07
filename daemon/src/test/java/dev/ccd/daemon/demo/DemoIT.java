package dev.ccd.daemon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, as a user runs it: {@code scripts/demo}, on the jars this build just
 * packaged. The scripted model decides keep / discard / crash; this test checks those decisions
 * against the real metrics the toy printed, and that nothing is left running.
 */
class DemoIT {

    @TempDir
    Path tmp;

    @Test
    void theDemoRunsAutoresearchOnTheToyAndRecordsEveryExperiment() throws Exception {
        Path root = Path.of(System.getProperty("ccd.repo.root")).toRealPath();
        Path home = tmp.resolve("home");
        ProcessBuilder demo = new ProcessBuilder("bash", root.resolve("scripts/demo").toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("demo.out").toFile());
        demo.environment().put("CCD_NO_BUILD", "1");
        demo.environment().put("CCD_DEMO_HOME", home.toString());
        Process process = demo.start();
        try {
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the demo ends within 3 minutes").isTrue();
        } finally {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String out = Files.readString(tmp.resolve("demo.out"), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(out).isZero();
        assertThat(out).contains("run ended completed (script_exhausted)").contains("ccd daemon stopped");

        List<String[]> rows = results(home.resolve("workspaces/research/results.tsv"));
        assertThat(rows).extracting(r -> r[2]).containsExactly("keep", "keep", "discard", "crash", "keep");
        assertDecisionsMatchTheMetrics(rows);
        // the toy's real values: 0.5 + 10 (LR - 0.3)^2 + 0.2 ((WIDTH - 64) / 64)^2
        assertThat(rows).extracting(r -> r[1]).containsExactly("0.950000", "0.550000", "2.300000", "0", "0.500000");
        assertThat(home.resolve("workspaces/research/params.env")).content().contains("LR=0.3").contains("WIDTH=64");
        assertThat(home.resolve("workspaces/research/attempts")).isDirectoryContaining("glob:**width-256.diff")
                .isDirectoryContaining("glob:**lr-0.diff");

        Map<String, Object> run = Db.query(home.resolve("ccd.db"), "SELECT * FROM agent_runs").get(0);
        assertThat(run.get("status")).isEqualTo("completed");
        assertThat(((Number) run.get("last_iteration")).intValue()).isEqualTo(6);
        assertThat(Db.query(home.resolve("ccd.db"), "SELECT status FROM background_tasks ORDER BY rowid"))
                .extracting(r -> r.get("status"))
                .containsExactly("completed", "completed", "completed", "failed", "completed");
        // every experiment's full output is kept: in the repository, where its row points, and as its task's log
        List<Map<String, Object>> tasks = Db.query(home.resolve("ccd.db"), "SELECT output_path FROM background_tasks ORDER BY rowid");
        for (int i = 0; i < rows.size(); i++) {
            Path kept = home.resolve("workspaces/research").resolve(rows.get(i)[4]);
            assertThat(rows.get(i)[4]).isEqualTo("logs/" + (i + 1) + ".log");
            String output = Files.readString(kept, StandardCharsets.UTF_8);
            assertThat(output).as(kept.toString()).isNotBlank();
            if (!rows.get(i)[2].equals("crash")) {
                assertThat(output).contains("val_loss: " + rows.get(i)[1]);
            }
            assertThat(Path.of((String) tasks.get(i).get("output_path"))).content(StandardCharsets.UTF_8).isEqualTo(output);
        }
        long runner = ((Number) run.get("pid")).longValue();
        assertThat(Processes.alive(runner)).isFalse();
        assertThat(home.resolve("run/ccd.pid")).doesNotExist();
    }

    /** Each keep improves on the best kept so far (lower is better); a discard does not; a crash has metric 0. */
    private static void assertDecisionsMatchTheMetrics(List<String[]> rows) {
        double best = Double.POSITIVE_INFINITY;
        for (String[] row : rows) {
            double metric = Double.parseDouble(row[1]);
            switch (row[2]) {
                case "keep" -> {
                    assertThat(metric).as("kept: %s", String.join(" ", row)).isLessThan(best);
                    best = metric;
                }
                case "discard" -> assertThat(metric).as("discarded: %s", String.join(" ", row))
                        .isGreaterThanOrEqualTo(best);
                case "crash" -> assertThat(metric).isZero();
                default -> throw new AssertionError("unknown status in results.tsv: " + row[2]);
            }
        }
    }

    private static List<String[]> results(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        assertThat(lines.get(0)).isEqualTo("commit\tmetric\tstatus\tdescription\tlog");
        return lines.subList(1, lines.size()).stream().map(l -> l.split("\t")).toList();
    }
}
