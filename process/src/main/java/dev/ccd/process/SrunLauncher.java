package dev.ccd.process;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a command as a one-task Slurm job through {@code srun}, whose stdin, stdout and stderr
 * are the command's: srun forwards its stdin to the task ({@code --input=0}) and the task's
 * output back line by line, so a program speaking lines over its pipes does not see the
 * difference. srun runs here under {@link LocalLauncher} (in a session of its own); the program
 * runs on a node, in the command's working directory, with srun's environment (Slurm's default
 * {@code --export=ALL}: the command's environment, plus Slurm's {@code SLURM_*} variables).
 *
 * <p>Not {@code --unbuffered}: that runs the task on a pseudo-terminal, which echoes input and
 * turns line ends into CR LF; a program that flushes each line needs no pty to be read at once.
 *
 * <p>One launcher per job: its name (unique per start) is how the job is found, waiting or not.
 * {@link #start} returns as soon as srun is forked; the job may still wait for the scheduler,
 * which its {@link ManagedProcess#job()} tells.
 */
public final class SrunLauncher implements Launcher {
    private final Slurm slurm;
    private final String jobName;
    private final List<String> srunArgs;

    /**
     * @param srunArgs the user's options for srun ({@code --partition}, {@code --gres}, {@code --time}, ...),
     *                 validated by the caller
     */
    public SrunLauncher(Slurm slurm, String jobName, List<String> srunArgs) {
        if (!jobName.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("a Slurm job name of letters, digits, '.', '_' and '-', got " + jobName);
        }
        this.slurm = slurm;
        this.jobName = jobName;
        this.srunArgs = List.copyOf(srunArgs);
    }

    /** The srun command line that runs {@code command}. */
    List<String> argv(Command command) {
        List<String> argv = new ArrayList<>(List.of("srun", "--job-name=" + jobName, "--ntasks=1", "--nodes=1",
                "--input=0", "--chdir=" + command.workdir()));
        argv.addAll(srunArgs);
        argv.add("--");
        argv.addAll(command.argv());
        return argv;
    }

    @Override
    public ManagedProcess start(Command command) throws IOException {
        Command srun = new Command(argv(command), command.workdir(), command.environment(),
                command.inheritEnvironment(), command.stdin(), command.stdout(), command.stderr(),
                command.mergeStderr(), command.newSession());
        ManagedProcess local = LocalLauncher.instance().start(srun);
        return new ManagedProcess(local.process(), new SlurmJob(slurm, jobName, local.signals()));
    }
}
