package dev.ccd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The srun command line a runner gets, and how the scheduler's states are read. */
class SrunLauncherTest {
    private final Slurm slurm = new Slurm(Map.of("PATH", "/usr/bin:/bin"));

    @Test
    void theCommandRunsAsOneTaskWhoseStdinIsForwardedAfterTheUsersOptions() {
        SrunLauncher launcher = new SrunLauncher(slurm, "ccd-a-r-1", List.of("--partition=gpu", "--gres=gpu:1"));

        List<String> argv = launcher.argv(Command.of(List.of("java", "-cp", "x.jar", "Main"), Path.of("/shared/w")));

        assertThat(argv).containsExactly("srun", "--job-name=ccd-a-r-1", "--ntasks=1", "--nodes=1", "--input=0",
                "--chdir=/shared/w", "--partition=gpu", "--gres=gpu:1", "--", "java", "-cp", "x.jar", "Main");
        assertThat(argv).doesNotContain("--unbuffered", "-u", "--pty");
    }

    @Test
    void aJobNameThatSlurmCommandsWouldMisreadIsRefused() {
        assertThatThrownBy(() -> new SrunLauncher(slurm, "ccd-a b", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ccd-a b");
        assertThatThrownBy(() -> new SrunLauncher(slurm, "ccd-a,b", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statesSayWhetherAJobWaitsRunsOrIsOverInTheSchedulersWords() {
        JobState pending = new JobState(7, "PENDING", "Resources", "");
        JobState running = new JobState(7, "RUNNING", "None", "node1");
        JobState completing = new JobState(7, "COMPLETING", "None", "node1");
        JobState timeout = new JobState(7, "TIMEOUT", "TimeLimit", "node1");

        assertThat(pending.waiting()).isTrue();
        assertThat(pending.describe()).isEqualTo("PENDING (Resources)");
        assertThat(running.waiting()).isFalse();
        assertThat(running.over()).isFalse();
        assertThat(running.describe()).isEqualTo("RUNNING on node1");
        assertThat(completing.over()).isTrue();
        assertThat(completing.settled()).isFalse();
        assertThat(timeout.settled()).isTrue();
        assertThat(timeout.describe()).isEqualTo("TIMEOUT (TimeLimit) on node1");
    }
}
