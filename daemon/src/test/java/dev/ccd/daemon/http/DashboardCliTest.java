package dev.ccd.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.daemon.cli.ExitCodes;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.RealDaemon;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** {@code ccd start --http}, {@code ccd dashboard} and config.json's {@code http_port} from the command line. */
class DashboardCliTest extends RealDaemon {

    @Test
    void badDashboardOptionsAreRefusedInTheWordsTyped() {
        Cli.Result port = ccd.run("start", "--http", "70000");
        Cli.Result word = ccd.run("start", "--http", "abc");
        Cli.Result bind = ccd.run("start", "--http-bind", "127.0.0.1");

        assertThat(port.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(port.err()).contains("--http 70000: must be a port number, 0 to 65535");
        assertThat(word.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(word.err()).contains("--http abc: must be a port number").doesNotContain("Integer");
        assertThat(bind.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bind.err()).contains("--http-bind needs --http PORT");
        assertThat(home.resolve("run/ccd.pid")).doesNotExist();
    }

    @Test
    void aPortInUseFailsTheStartWithTheAddressAndLeavesNoDaemon() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Cli.Result start = ccd.run("start", "--http", Integer.toString(taken.getLocalPort()));

            assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.FAILED);
            assertThat(start.err()).contains("the dashboard cannot listen on 127.0.0.1:" + taken.getLocalPort());
            assertThat(home.resolve("run/ccd.pid")).doesNotExist();
            assertThat(ccd.run("status").exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
        }
    }

    @Test
    void withoutHttpThereIsNoDashboardAndTheCommandSaysHowToGetOne() throws Exception {
        // as a daemon killed with SIGKILL leaves them
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/http.addr"), "http://127.0.0.1:1/\n");
        Files.writeString(home.resolve("run/http.token"), "stale\n");
        startDaemon();

        Cli.Result r = ccd.run("dashboard");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.err()).contains("serves no dashboard").contains("ccd start --http PORT").contains("http_port");
        assertThat(home.resolve("run/http.token")).doesNotExist();
    }

    @Test
    void httpPortInConfigStartsTheDashboardWithAPrivateTokenAndANonLoopbackBindIsWarnedAbout() throws Exception {
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.json"), "{\"http_port\": 0, \"http_bind\": \"0.0.0.0\", \"provider\": \"scripted\"}");

        Cli.Result start = ccd.run("start");

        assertThat(start.exitCode()).as(start.toString()).isZero();
        assertThat(start.out()).contains("dashboard at http://0.0.0.0:");
        assertThat(start.err()).contains("warning: the dashboard listens on 0.0.0.0, reachable from other machines");
        assertThat(Files.getPosixFilePermissions(home.resolve("run/http.token")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String url = ccd.run("dashboard").out().strip();
        String token = Files.readString(home.resolve("run/http.token")).strip();
        assertThat(url).matches("http://0\\.0\\.0\\.0:\\d+/\\?token=" + token);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String local = url.replace("0.0.0.0", "127.0.0.1");
        HttpResponse<String> runs = http.send(HttpRequest.newBuilder(URI.create(local.replace("?token=" + token, "api/runs")))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(runs.statusCode()).isEqualTo(200);
        assertThat(runs.body()).contains("\"runs\":[]");

        assertThat(ccd.run("stop").exitCode()).isZero();
        assertThat(home.resolve("run/http.addr")).doesNotExist();
        assertThat(home.resolve("run/http.token")).doesNotExist();
    }
}
