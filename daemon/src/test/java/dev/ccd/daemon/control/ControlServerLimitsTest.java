package dev.ccd.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.supervisor.RunnerLauncher;
import dev.ccd.daemon.supervisor.Supervisor;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many idle clients on the real socket: the limit turns the extra ones away, timeouts close the idle ones. */
class ControlServerLimitsTest {

    private static final String STATUS = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"daemon.status\"}\n";
    private static final String HALF_REQUEST = "{\"jsonrpc\":\"2.0\",\"id\":1,\"meth";

    @TempDir
    Path tmp;
    CcdHome home;
    Store store;
    Supervisor supervisor;
    ControlApi api;
    ControlServer server;
    final List<SocketChannel> opened = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        store = Store.open(home.db());
        RunnerLauncher launcher = RunnerLauncher.fromEnvironment();
        supervisor = new Supervisor(home, store, launcher);
        api = new ControlApi(home, store, supervisor, new TemplateCatalog(launcher.runnerJar(), home.templates()), () -> { });
    }

    @AfterEach
    void tearDown() throws Exception {
        for (SocketChannel c : opened) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        supervisor.shutdown();
        store.close();
    }

    @Test
    void twoThousandIdleClientsCannotTakeTheDaemonDown() throws Exception {
        // Timeouts longer than the test; idle connections make room for new ones at once.
        server = ControlServer.start(home.socket(), api, ControlServer.MAX_CONNECTIONS, Duration.ofMinutes(5),
                Duration.ofMinutes(5), Duration.ZERO);
        int limit = ControlServer.MAX_CONNECTIONS;
        String run = pacedRun();
        // threads of servers that earlier tests closed may still be on their way out
        long before = controlThreads();
        for (int i = 0; i < 2000; i++) {
            SocketChannel c = connect();
            if (i % 2 == 1) {
                write(c, HALF_REQUEST);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() <= limit);
        assertThat(controlThreads() - before).isBetween(1L, (long) limit);

        // With every slot held by an idle client, status on a fresh connection answers within a second.
        long start = System.nanoTime();
        JsonNode status = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            SocketChannel c = connect();
            write(c, STATUS);
            return readLine(c);
        });
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(status.path("id").asInt()).isEqualTo(7);
        assertThat(status.has("result")).as("%s", status).isTrue();
        assertThat(millis).isLessThan(1000);
        assertThat(server.openConnections()).isLessThanOrEqualTo(limit);
        assertThat(controlThreads() - before).isLessThanOrEqualTo(limit);
        // and the run goes on iterating while the idle clients hold their connections
        int iterated = store.run(run).orElseThrow().lastIteration();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.run(run).orElseThrow().lastIteration() >= iterated + 20);
    }

    /** A real run, an iteration every 10 ms for minutes; its id. */
    private String pacedRun() throws Exception {
        Path work = java.nio.file.Files.createDirectories(tmp.resolve("work"));
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            turns.add("{\"text\": \"step " + i + "\"}");
        }
        Path script = java.nio.file.Files.write(tmp.resolve("pace.jsonl"), turns, StandardCharsets.UTF_8);
        dev.ccd.protocol.RunConfig config = new dev.ccd.protocol.RunConfig("scripted", null, null, script.toString(),
                work.toString(), "", 0.01, false, null, null, null, null, null, 0, null, null, null);
        return supervisor.start(new dev.ccd.daemon.supervisor.RunSpec("pace", "hello", "# hello\nSay hello.", null,
                work, config, dev.ccd.daemon.supervisor.RunSpec.RestartPolicy.NEVER, 0, null)).id();
    }

    @Test
    void theConnectionPastTheLimitGetsTheErrorAndIsClosed() throws Exception {
        server = ControlServer.start(home.socket(), api, 3, Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(5));
        for (int i = 0; i < 3; i++) {
            connect();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 3);
        SocketChannel past = connect();
        JsonNode error = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> parse(readToEnd(past)));
        assertThat(error.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(error.get("id").isNull()).isTrue();
        assertThat(error.path("error").path("code").asInt()).isEqualTo(RpcException.TOO_MANY_CONNECTIONS);
        assertThat(error.path("error").path("message").asText())
                .isEqualTo("too many connections to the ccd daemon (3 open); close some and retry");
        assertThat(server.openConnections()).isEqualTo(3);
    }

    @Test
    void theCliIsToldWhyWhenTurnedAway() throws Exception {
        server = ControlServer.start(home.socket(), api, 1, Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(5));
        connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 1);
        try (ControlClient client = ControlClient.connect(home.socket())) {
            assertThatThrownBy(() -> client.call("daemon.status", null))
                    .isInstanceOfSatisfying(ControlClient.RpcError.class, e -> {
                        assertThat(e.code()).isEqualTo(RpcException.TOO_MANY_CONNECTIONS);
                        assertThat(e.getMessage()).contains("too many connections to the ccd daemon (1 open)");
                    });
        }
    }

    @Test
    void idleAndHalfSentConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        server = ControlServer.start(home.socket(), api, ControlServer.MAX_CONNECTIONS, Duration.ofMillis(300),
                Duration.ofSeconds(30), Duration.ofMinutes(5));
        SocketChannel silent = connect();
        SocketChannel half = connect();
        write(half, HALF_REQUEST);
        SocketChannel answered = connect();
        write(answered, STATUS);
        assertThat(readLine(answered).has("result")).isTrue();

        long start = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(readToEnd(silent)).isEmpty();
            assertThat(readToEnd(half)).isEmpty();
            assertThat(readToEnd(answered)).isEmpty();
        });
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
    }

    @Test
    void aSubscriptionThatOnlyReceivesIsNotIdle() throws Exception {
        server = ControlServer.start(home.socket(), api, ControlServer.MAX_CONNECTIONS, Duration.ofMillis(300),
                Duration.ofSeconds(30), Duration.ofMinutes(5));
        SocketChannel sub = connect();
        write(sub, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{}}\n");
        assertThat(readLine(sub).path("result").path("subscribed").asBoolean()).isTrue();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> server.openConnections() == 1);
    }

    @Test
    void aClientThatStopsReadingIsClosedAfterTheWriteTimeout() throws Exception {
        server = ControlServer.start(home.socket(), api, ControlServer.MAX_CONNECTIONS, Duration.ofMinutes(5),
                Duration.ofMillis(300), Duration.ofMinutes(5));
        SocketChannel greedy = connect();
        greedy.configureBlocking(false);
        // Requests whose answers are never read: the server's write blocks once the socket is full.
        ByteBuffer requests = ByteBuffer.wrap(STATUS.repeat(20_000).getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try {
                greedy.write(requests);
            } catch (IOException closedByServer) {
                // the server closed it: what the test waits for
            }
            return server.openConnections() == 0;
        });
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        opened.add(c);
        c.connect(UnixDomainSocketAddress.of(home.socket()));
        return c;
    }

    private static void write(SocketChannel c, String text) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            c.write(buf);
        }
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToEnd(SocketChannel c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(1024);
        while (c.read(buf) >= 0) {
            bytes.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        bytes.write(buf.array(), 0, buf.position());
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** One line, read a byte at a time so that nothing after it is consumed. */
    private static JsonNode readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("closed after " + bytes);
            }
            if (one.get(0) == '\n') {
                return MessageCodec.mapper().readTree(bytes.toByteArray());
            }
            bytes.write(one.get(0));
        }
    }

    private static JsonNode parse(String text) throws IOException {
        assertThat(text).endsWith("\n");
        assertThat(text.strip().lines()).hasSize(1);
        return MessageCodec.mapper().readTree(text);
    }

    private static void assertTooMany(String text) throws IOException {
        assertThat(parse(text).path("error").path("code").asInt()).isEqualTo(RpcException.TOO_MANY_CONNECTIONS);
    }

    private static long controlThreads() {
        ThreadInfo[] threads = ManagementFactory.getThreadMXBean()
                .getThreadInfo(ManagementFactory.getThreadMXBean().getAllThreadIds());
        return Arrays.stream(threads).filter(t -> t != null && t.getThreadName().startsWith("control-conn")).count();
    }
}
