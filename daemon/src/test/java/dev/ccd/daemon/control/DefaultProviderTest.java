package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which provider a start without {@code provider} gets: config.json's, the script's, the key's, or an error. */
class DefaultProviderTest {
    @TempDir
    Path tmp;
    CcdHome home;

    @BeforeEach
    void setUp() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        Files.writeString(home.templates().resolve("plain.md"), "# plain\nSay hi.\n", StandardCharsets.UTF_8);
    }

    private String provider(ObjectNode params, Map<String, String> daemonEnvironment) throws Exception {
        return new AgentStartRequest(home, new TemplateCatalog(tmp.resolve("no-runner.jar"), home.templates()),
                () -> new SandboxSupport(true, "bwrap", null), daemonEnvironment).parse(new Params(params))
                .config().provider();
    }

    private static ObjectNode start() {
        return MessageCodec.mapper().createObjectNode().put("name", "a").put("template", "plain");
    }

    @Test
    void aKeyInTheCommandsEnvironmentOrTheDaemonsChoosesItsProviderAnthropicFirst() throws Exception {
        ObjectNode both = start();
        both.putObject("env").put("OPENAI_API_KEY", "sk-o").put("ANTHROPIC_API_KEY", "sk-a");
        assertThat(provider(both, Map.of())).isEqualTo("anthropic");
        ObjectNode openai = start();
        openai.putObject("env").put("OPENAI_API_KEY", "sk-o");
        assertThat(provider(openai, Map.of())).isEqualTo("openai");
        assertThat(provider(start(), Map.of("ANTHROPIC_API_KEY", "sk-d"))).isEqualTo("anthropic");
    }

    @Test
    void aScriptMeansTheScriptedModelAndConfigJsonWinsOverBoth() throws Exception {
        Path script = Files.writeString(tmp.resolve("s.jsonl"), "{\"text\": \"hi\"}\n");
        assertThat(provider(start().put("script", script.toString()), Map.of("ANTHROPIC_API_KEY", "sk-d")))
                .isEqualTo("scripted");
        Files.writeString(home.config(), "{\"provider\": \"openai\", \"base_url\": \"http://127.0.0.1:1/v1\"}");
        assertThat(provider(start(), Map.of("ANTHROPIC_API_KEY", "sk-d"))).isEqualTo("openai");
    }

    @Test
    void withNoneTheErrorSaysHowToChoose() {
        assertThatThrownBy(() -> provider(start(), Map.of()))
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("ANTHROPIC_API_KEY").hasMessageContaining("--provider")
                .hasMessageContaining("--script FILE").hasMessageContaining("config.json");
    }
}
