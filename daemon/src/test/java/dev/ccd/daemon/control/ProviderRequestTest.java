package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.supervisor.RunSpec;
import dev.ccd.protocol.ProviderOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code agent.start} makes of the streaming, caching and output-limit params: from the
 * request, config.json and a template's front matter ({@code cache_ttl}), on real files.
 */
class ProviderRequestTest extends AgentStartRequestFixture {
    @BeforeEach
    void writeLongTemplate() throws Exception {
        template("long", """
                ---
                description: experiments longer than five minutes
                cache_ttl: 1h
                ---
                # long
                """);
    }

    private ProviderOptions options(ObjectNode params) throws Exception {
        return parse(params).config().providerOptions();
    }

    @Test
    void defaultsAreLeftToTheRunner() throws Exception {
        ProviderOptions options = options(request("plain"));

        assertThat(options.stream()).isNull();
        assertThat(options.cacheTtl()).isNull();
        assertThat(options.maxTokensField()).isNull();
    }

    @Test
    void theTemplatesCacheTtlAppliesUnlessTheRequestOrConfigSaysOtherwise() throws Exception {
        assertThat(options(request("long")).cacheTtl()).isEqualTo("1h");
        assertThat(options(request("long").put("cache_ttl", "5m")).cacheTtl()).isEqualTo("5m");
        Files.writeString(home.config(), "{\"cache_ttl\": \"off\", \"stream\": false, \"stream_idle_timeout_s\": 30,"
                + " \"max_tokens_field\": \"max_completion_tokens\"}", StandardCharsets.UTF_8);
        ProviderOptions fromConfig = options(request("plain"));
        assertThat(fromConfig.cacheTtl()).isEqualTo("off");
        assertThat(fromConfig.stream()).isFalse();
        assertThat(fromConfig.streamIdleTimeoutS()).isEqualTo(30.0);
        assertThat(fromConfig.maxTokensField()).isEqualTo("max_completion_tokens");
    }

    @Test
    void theShippedAutoresearchTemplateCachesForAnHour() throws Exception {
        // its experiments run about 5 minutes: past the default lifetime of 5 minutes
        Files.copy(Path.of("..", "templates", "autoresearch.md"), home.templates().resolve("autoresearch.md"));
        ObjectNode params = request("autoresearch").put("args",
                "command=./run.sh metric=loss direction=lower budget=300 file=train.py");

        assertThat(options(params).cacheTtl()).isEqualTo("1h");
    }

    @Test
    void badValuesAreRefusedInTheUsersWords() {
        assertThatThrownBy(() -> options(request("plain").put("cache_ttl", "2h"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("cache_ttl").hasMessageContaining("'2h'").hasMessageContaining("1h");
        assertThatThrownBy(() -> options(request("plain").put("max_tokens_field", "max_output")))
                .isInstanceOf(RpcException.class).hasMessageContaining("max_tokens_field")
                .hasMessageContaining("max_completion_tokens");
        assertThatThrownBy(() -> options(request("plain").put("stream", "yes"))).isInstanceOf(RpcException.class)
                .hasMessageContaining("stream").hasMessageContaining("true or false");
    }

    @Test
    void aPriceMayGiveItsCachedInputRate() throws Exception {
        ObjectNode params = request("plain");
        params.putObject("prices").putObject("my-model").put("input_per_mtok", 2).put("output_per_mtok", 8)
                .put("cache_read_per_mtok", 0.5);
        RunSpec spec = parse(params);

        assertThat(spec.config().prices().get("my-model").cacheReadPerMtok()).isEqualTo(0.5);
        ObjectNode bad = request("plain");
        bad.putObject("prices").putObject("m").put("input_per_mtok", 2).put("output_per_mtok", 8)
                .put("cache_read_per_mtok", "cheap");
        assertThatThrownBy(() -> options(bad)).isInstanceOf(RpcException.class).hasMessageContaining("cache_read_per_mtok");
    }
}
