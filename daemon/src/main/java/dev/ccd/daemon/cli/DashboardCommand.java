package dev.ccd.daemon.cli;

import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.http.HttpSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * {@code ccd dashboard}: prints the dashboard's URL with its token; opening it once sets the
 * cookie that later requests carry.
 */
@CommandLine.Command(name = "dashboard", description = "Print the web dashboard's URL (with its token).")
final class DashboardCommand extends BaseCommand {

    @Override
    public Integer call() throws IOException {
        call("daemon.status", null);
        CcdHome home = home();
        Path addr = address(home);
        Path token = home.runDir().resolve("http.token");
        if (!Files.exists(addr) || !Files.exists(token)) {
            throw new CliException(ExitCodes.FAILED, "the daemon serves no dashboard: start it with 'ccd start --http PORT'"
                    + " (or set http_port in " + home.config() + ")");
        }
        out().println(Files.readString(addr, StandardCharsets.UTF_8).strip() + "?token="
                + Files.readString(token, StandardCharsets.UTF_8).strip());
        return ExitCodes.OK;
    }

    private static Path address(CcdHome home) {
        return home.runDir().resolve("http.addr");
    }

    /** After {@code ccd start}: where the dashboard is, and a warning when other machines can reach it. */
    static void announce(CcdHome home, PrintWriter out, PrintWriter err) throws IOException {
        Path addr = address(home);
        if (!Files.exists(addr)) {
            return;
        }
        String url = Files.readString(addr, StandardCharsets.UTF_8).strip();
        out.println("dashboard at " + url + " ('ccd dashboard' prints the URL with its token)");
        String host = URI.create(url).getHost().replaceAll("^\\[|]$", "");
        if (!new HttpSettings(0, host, false).loopback()) {
            err.println("ccd: warning: the dashboard listens on " + host + ", reachable from other machines;"
                    + " anyone with its token can approve tool calls and stop runs, and the traffic is not encrypted");
        }
    }
}
