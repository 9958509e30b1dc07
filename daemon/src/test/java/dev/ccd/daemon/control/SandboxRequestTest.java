package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.supervisor.RunSpec;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.SandboxOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code agent.start} makes of the sandbox params, config.json and a template's front
 * matter, and which key a run is handed: the request as the daemon parses it, on real files.
 */
class SandboxRequestTest extends AgentStartRequestFixture {
    private static final String HOME_DIR = System.getProperty("user.home");

    @BeforeEach
    void writeCachedTemplate() throws Exception {
        template("cached", """
                ---
                description: uses a model cache
                sandbox_read_only: /opt/models, ~/.cache/huggingface
                sandbox_read_write: /srv/scratch
                sandbox_env: HF_HOME, CUDA_VISIBLE_DEVICES
                ---
                # cached
                """);
    }

    private void config(String json) throws Exception {
        Files.writeString(home.config(), json, StandardCharsets.UTF_8);
    }

    @Test
    void byDefaultARunIsSandboxedWithTheNetworkAndTheDaemonsHomeHidden() throws Exception {
        RunSpec spec = parse(request("plain"));

        SandboxOptions sandbox = spec.config().sandbox();
        assertThat(sandbox.sandboxed()).isTrue();
        assertThat(sandbox.networked()).isTrue();
        assertThat(sandbox.readOnly()).isEmpty();
        assertThat(sandbox.hidden()).containsExactly(home.root().toRealPath().toString());
        assertThat(spec.sandboxWord()).isEqualTo("on");
        assertThat(spec.networkWord()).isEqualTo("on");
    }

    @Test
    void theRequestWinsOverConfigJsonForSandboxAndNetwork() throws Exception {
        config("{\"sandbox\": false}");
        assertThat(parse(request("plain")).sandboxWord()).isEqualTo("off");
        assertThat(parse(request("plain").put("sandbox", true)).sandboxWord()).isEqualTo("on");

        config("{\"network\": false}");
        RunSpec offline = parse(request("plain"));
        assertThat(offline.config().sandbox().networked()).isFalse();
        assertThat(offline.networkWord()).isEqualTo("off");
        assertThat(parse(request("plain").put("network", true)).networkWord()).isEqualTo("on");
    }

    @Test
    void theListsOfConfigJsonAndTheTemplateAddUpWithTildeExpanded() throws Exception {
        config("{\"sandbox_read_only\": [\"~/.cache/huggingface\", \"/data/sets\"], \"sandbox_read_write\": [\"/tmp/out\"],"
                + " \"sandbox_env\": [\"HF_HOME\", \"OMP_NUM_THREADS\"]}");

        SandboxOptions sandbox = parse(request("cached")).config().sandbox();

        assertThat(sandbox.readOnly()).containsExactly(HOME_DIR + "/.cache/huggingface", "/data/sets", "/opt/models");
        assertThat(sandbox.readWrite()).containsExactly("/tmp/out", "/srv/scratch");
        assertThat(sandbox.env()).containsExactly("HF_HOME", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES");
    }

    @Test
    void aRelativePathIsRefusedNamingItsSourceTheFieldAndTheValue() throws Exception {
        config("{\"sandbox_read_only\": [\"/ok\", \"models\"]}");
        assertThatThrownBy(() -> parse(request("plain"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("config.json").hasMessageContaining("'sandbox_read_only'")
                .hasMessageContaining("'models'").hasMessageContaining("absolute path");

        Files.delete(home.config());
        Files.writeString(home.templates().resolve("bad.md"), "---\nsandbox_read_write: scratch\n---\n# bad\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> parse(request("bad"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("template bad").hasMessageContaining("'sandbox_read_write'")
                .hasMessageContaining("'scratch'");

        assertThatThrownBy(() -> parse(request("plain").set("sandbox_env",
                MessageCodec.mapper().createArrayNode().add("NOT-A-NAME")))).isInstanceOf(RpcException.class)
                .hasMessageContaining("'sandbox_env'").hasMessageContaining("'NOT-A-NAME'");
        assertThatThrownBy(() -> parse(request("plain").put("sandbox_read_only", "/one"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("'sandbox_read_only' must be an array of strings");
        assertThatThrownBy(() -> parse(request("plain").put("sandbox", "no"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("'sandbox' must be true or false");
    }

    @Test
    void noNetworkWithoutTheSandboxIsRefused() {
        assertThatThrownBy(() -> parse(request("plain").put("sandbox", false).put("network", false)))
                .isInstanceOf(RpcException.class).hasMessageContaining("'network'").hasMessageContaining("'sandbox'");
    }

    @Test
    void aSandboxedStartIsRefusedWhenSandboxesDoNotWorkAndAnUnsandboxedOneIsNot() throws Exception {
        support = SandboxSupport.probeNow(tmp.resolve("no-bwrap").toString());

        assertThatThrownBy(() -> parse(request("plain"))).isInstanceOf(RpcException.class)
                .satisfies(e -> assertThat(((RpcException) e).code()).isEqualTo(RpcException.FAILED))
                .hasMessageContaining("cannot run " + tmp.resolve("no-bwrap"))
                .hasMessageContaining("apt-get install bubblewrap").hasMessageContaining("--sandbox off");
        assertThat(parse(request("plain").put("sandbox", false)).sandboxWord()).isEqualTo("off");
    }

    @Test
    void aRunIsHandedItsOwnProvidersKeyOnlyAndTheDaemonsWhenTheCliPassedNone() throws Exception {
        ObjectNode both = request("plain").put("provider", "anthropic");
        both.putObject("env").put("ANTHROPIC_API_KEY", "cli-anthropic").put("OPENAI_API_KEY", "cli-openai");
        assertThat(parse(both).secrets()).containsExactly(Map.entry("ANTHROPIC_API_KEY", "cli-anthropic"));

        daemonEnvironment = Map.of("ANTHROPIC_API_KEY", "daemon-anthropic", "OPENAI_API_KEY", "daemon-openai");
        assertThat(parse(request("plain").put("provider", "openai")).secrets())
                .containsExactly(Map.entry("OPENAI_API_KEY", "daemon-openai"));
        assertThat(parse(request("plain").put("provider", "anthropic")).secrets())
                .containsExactly(Map.entry("ANTHROPIC_API_KEY", "daemon-anthropic"));
        assertThat(parse(request("plain")).secrets()).isEmpty();

        daemonEnvironment = Map.of("OPENAI_API_KEY", "daemon-openai");
        assertThatThrownBy(() -> parse(request("plain").put("provider", "anthropic"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("needs ANTHROPIC_API_KEY");
    }
}
