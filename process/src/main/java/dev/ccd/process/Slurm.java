package dev.ccd.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Slurm's client commands ({@code srun}, {@code squeue}, {@code scancel}), found on the PATH, run
 * with the environment given (its {@code SLURM_CONF} says which cluster). There is no accounting
 * database to rely on ({@code sacct} answers only where one is set up), so the state of a job,
 * waiting, running or ended, is asked of the controller with {@code squeue --states=all}, which
 * reads the same record as {@code scontrol show job} and keeps ended jobs for {@code MinJobAge}.
 *
 * <p>Threads: any; each call runs one short command and waits for it (at most {@link #COMMAND_WAIT_S}).
 */
public final class Slurm {
    static final long COMMAND_WAIT_S = 15;

    private final Map<String, String> environment;

    /** @param environment the whole environment of the commands (PATH, SLURM_CONF, ...) */
    public Slurm(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    Map<String, String> environment() {
        return environment;
    }

    /**
     * The job of that name with the highest id (job names are unique per start here).
     *
     * @return empty when the controller knows none, or does not answer
     */
    public Optional<JobState> job(String name) {
        Result result = run(List.of("squeue", "--noheader", "--states=all", "--name=" + name,
                "--format=%i|%T|%r|%N"));
        if (result.code != 0) {
            return Optional.empty();
        }
        JobState latest = null;
        for (String line : result.output.split("\n")) {
            String[] fields = line.strip().split("\\|", -1);
            if (fields.length < 4 || !fields[0].matches("[0-9]+")) {
                continue;
            }
            JobState job = new JobState(Long.parseLong(fields[0]), fields[1], fields[2], fields[3]);
            if (latest == null || job.id() > latest.id()) {
                latest = job;
            }
        }
        return Optional.ofNullable(latest);
    }

    /**
     * {@code scancel}: with a signal, sends it to the job's running steps; without, cancels the
     * job (waiting or running: SIGTERM, then SIGKILL after the cluster's KillWait).
     *
     * @return whether scancel succeeded
     */
    public boolean cancel(String name, String signal) {
        List<String> argv = new ArrayList<>(List.of("scancel", "--quiet", "--name=" + name));
        if (signal != null) {
            argv.add("--signal=" + signal);
        }
        return run(argv).code == 0;
    }

    /** Whether the controller answers at all ({@code sinfo}). */
    public boolean answers() {
        return run(List.of("sinfo", "--noheader", "--format=%T")).code == 0;
    }

    private record Result(int code, String output) {
    }

    private Result run(List<String> argv) {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_WAIT_S, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
