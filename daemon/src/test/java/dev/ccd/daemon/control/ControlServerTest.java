package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.supervisor.RunnerLauncher;
import dev.ccd.daemon.supervisor.Supervisor;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.MessageCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raw JSON-RPC lines on the real socket: every bad request gets its error, the connection lives on. */
class ControlServerTest {

    @TempDir
    Path tmp;
    CcdHome home;
    Store store;
    Supervisor supervisor;
    ControlServer server;
    SocketChannel channel;
    BufferedReader in;
    OutputStream out;

    @BeforeEach
    void setUp() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        store = Store.open(home.db());
        RunnerLauncher launcher = RunnerLauncher.fromEnvironment();
        supervisor = new Supervisor(home, store, launcher);
        ControlApi api = new ControlApi(home, store, supervisor,
                new TemplateCatalog(launcher.runnerJar(), home.templates()), () -> { });
        server = ControlServer.start(home.socket(), api);
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(home.socket()));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(channel);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close();
        server.close();
        supervisor.shutdown();
        store.close();
    }

    private JsonNode send(String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return MessageCodec.mapper().readTree(in.readLine());
    }

    @Test
    void theSocketIsPrivateToTheUser() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.socket()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.runDir()))).isEqualTo("rwx------");
    }

    @Test
    void everyKindOfBadRequestGetsItsErrorAndTheConnectionLivesOn() throws Exception {
        JsonNode parse = send("{not json");
        JsonNode notObject = send("[1,2]");
        JsonNode noVersion = send("{\"id\":1,\"method\":\"daemon.status\"}");
        JsonNode noMethod = send("{\"jsonrpc\":\"2.0\",\"id\":2}");
        JsonNode unknown = send("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"agent.teleport\"}");
        JsonNode paramsNotObject = send("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"agent.status\",\"params\":[1]}");
        JsonNode missingField = send("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"agent.stop\",\"params\":{}}");
        JsonNode wrongType = send("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"agent.start\",\"params\":"
                + "{\"name\":\"a\",\"template\":\"hello\",\"provider\":\"anthropic\",\"max_tokens\":\"many\"}}");
        JsonNode ok = send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"daemon.status\"}");

        assertThat(parse.path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(parse.path("id").isNull()).isTrue();
        assertThat(notObject.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(noVersion.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(noVersion.path("error").path("message").asText()).contains("jsonrpc");
        assertThat(noMethod.path("error").path("data").path("field").asText()).isEqualTo("method");
        assertThat(unknown.path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(unknown.path("error").path("message").asText()).contains("agent.teleport").contains("agent.start");
        assertThat(unknown.path("id").asInt()).isEqualTo(3);
        assertThat(paramsNotObject.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(missingField.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(missingField.path("error").path("data").path("field").asText()).isEqualTo("name");
        assertThat(wrongType.path("error").path("data").path("field").asText()).isEqualTo("max_tokens");
        assertThat(wrongType.path("error").path("message").asText()).contains("'many'");
        assertThat(home.workspaces().resolve("a")).doesNotExist();
        assertThat(ok.path("result").path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(ok.path("id").asInt()).isEqualTo(7);
    }

    @Test
    void anOverlongRequestIsAParseErrorAndTheNextRequestIsAnswered() throws Exception {
        JsonNode tooLong = send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + "x".repeat(2 << 20) + "\"}");
        JsonNode ok = send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"template.list\"}");

        assertThat(tooLong.path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(tooLong.path("error").path("message").asText()).contains("over the limit");
        assertThat(ok.path("result").isArray()).isTrue();
        assertThat(ok.path("result").toString()).contains("hello");
    }

    @Test
    void aNumberWhereATextIsExpectedNamesTheField() throws Exception {
        JsonNode r = send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.start\",\"params\":{\"name\":7}}");

        assertThat(r.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(r.path("error").path("message").asText()).contains("'name' must be a string, got 7");
    }

    @Test
    void aKeyWithAControlCharacterIsRefusedNamingTheVariableNotItsValue() throws Exception {
        JsonNode r = send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.start\",\"params\":{\"name\":\"k\","
                + "\"template\":\"hello\",\"provider\":\"anthropic\",\"env\":{\"ANTHROPIC_API_KEY\":\"sk-secret\\u0000x\"}}}");

        assertThat(r.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(r.path("error").path("data").path("field").asText()).isEqualTo("env");
        assertThat(r.path("error").path("message").asText()).contains("ANTHROPIC_API_KEY").doesNotContain("sk-secret");
        assertThat(home.workspaces().resolve("k")).doesNotExist();
    }
}
