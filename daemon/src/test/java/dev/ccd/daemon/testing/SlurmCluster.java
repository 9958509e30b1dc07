package dev.ccd.daemon.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Slurm cluster that {@code SLURM_CONF} names (CI starts one with {@code scripts/slurm-local
 * start}), asked with Slurm's own commands, as a user would: tests check the scheduler's view
 * here, not through the code under test.
 */
public final class SlurmCluster {
    private SlurmCluster() {
    }

    /** Why Slurm tests cannot run here, or null when the controller answers. */
    public static String unavailable() {
        Output sinfo = run("sinfo", "--noheader", "--format=%T");
        if (sinfo.code() == 0 && !sinfo.text().isBlank()) {
            return null;
        }
        return "no Slurm cluster answers sinfo (" + sinfo.text().strip() + "): start one with"
                + " 'scripts/slurm-local start' and export the SLURM_CONF it prints";
    }

    /** The CPUs of the cluster's largest node. */
    public static int maxCpusPerNode() {
        return Arrays.stream(run("sinfo", "--noheader", "--format=%c").text().split("\\s+"))
                .filter(s -> s.matches("[0-9]+")).mapToInt(Integer::parseInt).max().orElseThrow();
    }

    /** {@code squeue} lines {@code id|state|reason} of the jobs of that name still waiting or running. */
    public static List<String> live(String jobName) {
        return lines(run("squeue", "--noheader", "--name=" + jobName, "--format=%i|%T|%r"));
    }

    /** As {@link #live}, with ended jobs (the controller keeps them for MinJobAge). */
    public static List<String> any(String jobName) {
        return lines(run("squeue", "--noheader", "--states=all", "--name=" + jobName, "--format=%i|%T|%r"));
    }

    /** The names of the live jobs whose name starts with {@code prefix}. */
    public static List<String> liveNamesStartingWith(String prefix) {
        return lines(run("squeue", "--noheader", "--format=%j")).stream().filter(n -> n.startsWith(prefix)).toList();
    }

    public static void cancel(String jobName) {
        run("scancel", "--name=" + jobName);
    }

    private static List<String> lines(Output output) {
        List<String> lines = new ArrayList<>();
        for (String line : output.text().split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        return output.code() == 0 ? lines : List.of("squeue failed: " + output.text());
    }

    private record Output(int code, String text) {
    }

    private static Output run(String... argv) {
        try {
            Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Output(-1, "timed out");
            }
            return new Output(process.exitValue(), text);
        } catch (IOException e) {
            return new Output(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Output(-1, "interrupted");
        }
    }
}
