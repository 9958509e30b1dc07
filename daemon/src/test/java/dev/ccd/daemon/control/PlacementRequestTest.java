package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.supervisor.Placement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code agent.start} makes of {@code placement}, {@code slurm_args} and their config.json defaults. */
class PlacementRequestTest extends AgentStartRequestFixture {
    /** The daemon's PATH gets an srun, as where Slurm's client commands are installed. */
    @BeforeEach
    void putSrunOnThePath() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("srun"), "#!/bin/sh\n", StandardCharsets.UTF_8);
        bin.resolve("srun").toFile().setExecutable(true);
        daemonEnvironment = Map.of("PATH", bin.toString());
    }

    private ObjectNode request() {
        return request("plain").put("sandbox", false);
    }

    @Test
    void aRunIsLocalUnlessItAsksForSlurm() throws Exception {
        assertThat(parse(request()).placement()).isEqualTo(Placement.LOCAL);
    }

    @Test
    void slurmArgsAreSplitAsAShellSplitsWordsAndConfigJsonGivesTheDefaults() throws Exception {
        Files.writeString(home.config(), "{\"placement\": \"slurm\", \"placement_timeout_s\": 30,"
                + " \"slurm_java\": \"/opt/jdk/bin/java\"}", StandardCharsets.UTF_8);

        Placement placement = parse(request().put("slurm_args",
                "--partition=gpu  --gres=gpu:1 --comment='two words' --time \"08:00:00\"")).placement();

        assertThat(placement.where()).isEqualTo(Placement.Where.SLURM);
        assertThat(placement.slurmArgs()).containsExactly("--partition=gpu", "--gres=gpu:1", "--comment=two words",
                "--time", "08:00:00");
        assertThat(placement.queueTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(placement.java()).isEqualTo("/opt/jdk/bin/java");
    }

    @Test
    void optionsThatWouldTakeTheRunnersPipeOrItsOneTaskAreRefusedByName() {
        for (String args : List.of("-n 2", "--ntasks=4", "--pty", "-u", "--export=NONE", "--output=x.log", "-J other",
                "-n2", "--input=none")) {
            assertThatThrownBy(() -> parse(request().put("placement", "slurm").put("slurm_args", args)))
                    .as(args).isInstanceOf(RpcException.class)
                    .hasMessageContaining("'slurm_args' is '" + args + "'").hasMessageContaining("ccd sets itself");
        }
    }

    @Test
    void slurmIsRefusedWhereTheDaemonHasNoSrun() {
        daemonEnvironment = Map.of("PATH", tmp.resolve("empty").toString());

        assertThatThrownBy(() -> parse(request().put("placement", "slurm")))
                .isInstanceOf(RpcException.class).hasMessageContaining("srun is not on the daemon's PATH");
    }

    @Test
    void anUnknownPlacementAnUnclosedQuoteAndABareWordAreRefused() {
        assertThatThrownBy(() -> parse(request().put("placement", "kubernetes")))
                .isInstanceOf(RpcException.class).hasMessageContaining("placement").hasMessageContaining("kubernetes");
        assertThatThrownBy(() -> parse(request().put("placement", "slurm").put("slurm_args", "--comment='open")))
                .isInstanceOf(RpcException.class).hasMessageContaining("unclosed ' quote");
        assertThatThrownBy(() -> parse(request().put("placement", "slurm").put("slurm_args", "gpu")))
                .isInstanceOf(RpcException.class).hasMessageContaining("starts with 'gpu'");
        assertThatThrownBy(() -> parse(request().put("placement", "slurm").put("placement_timeout_s", 0)))
                .isInstanceOf(RpcException.class).hasMessageContaining("placement_timeout_s");
    }
}
