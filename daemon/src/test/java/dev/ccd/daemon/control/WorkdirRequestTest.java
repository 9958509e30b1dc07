package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A workdir is the agent's to change: it never holds ccd's home, and inside it only workspaces/ is the agents'. */
class WorkdirRequestTest extends AgentStartRequestFixture {

    @Test
    void aWorkdirHoldingTheHomeIsRefusedByName() {
        for (Path holder : new Path[] {tmp, home.root()}) {
            assertThatThrownBy(() -> parse(request("plain").put("workdir", holder.toString())))
                    .isInstanceOf(RpcException.class)
                    .hasMessageContaining("workdir")
                    .hasMessageContaining("is '" + holder + "', which holds ccd's home")
                    .hasMessageContaining("choose a directory outside it");
        }
        assertThat(home.workspaces().resolve("a")).doesNotExist();
    }

    @Test
    void insideTheHomeOnlyWorkspacesAreTheAgents() throws Exception {
        assertThatThrownBy(() -> parse(request("plain").put("workdir", home.runs().toString())))
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("inside ccd's home");
        Path link = Files.createSymbolicLink(tmp.resolve("link-to-runs"), home.runs());
        assertThatThrownBy(() -> parse(request("plain").put("workdir", link.toString())))
                .as("a link is followed to where it leads")
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("inside ccd's home");

        Path mine = Files.createDirectories(home.workspaces().resolve("mine"));
        assertThat(parse(request("plain").put("workdir", mine.toString())).workdir()).isEqualTo(mine);
        assertThat(parse(request("plain")).workdir()).isEqualTo(home.workspaces().resolve("a"));
        Path outside = Files.createDirectories(tmp.resolve("work"));
        assertThat(parse(request("plain").put("workdir", outside.toString())).workdir()).isEqualTo(outside);
    }
}
