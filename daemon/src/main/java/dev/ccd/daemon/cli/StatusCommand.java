package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine;

/** {@code ccd status}: the daemon's pid, uptime, runs by status, the record's health, whether sandboxes work. */
@CommandLine.Command(name = "status", description = "Daemon pid, uptime, runs by status, record health, sandbox support.")
final class StatusCommand extends BaseCommand {

    @CommandLine.Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        JsonNode status = call("daemon.status", null);
        if (json) {
            printJson(status);
            return ExitCodes.OK;
        }
        // concatenation, not printf: java.util.Formatter's first use costs a call milliseconds
        out().println("ccd daemon running: pid " + status.path("pid").asLong() + ", up "
                + Format.duration(status.path("uptime_s").asDouble()) + ", home " + status.path("home").asText());
        StringBuilder runs = new StringBuilder();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) status.path("runs")::fields) {
            if (e.getValue().asInt() > 0) {
                runs.append(runs.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asInt());
            }
        }
        out().println("runs: " + (runs.length() == 0 ? "none" : runs));
        JsonNode record = status.path("record");
        if (!record.isMissingNode()) {
            out().println("record: " + ("degraded".equals(record.path("state").asText())
                    ? "DEGRADED since " + record.path("since").asText() + ": " + record.path("reason").asText()
                    + " (writes are held, not lost)"
                    : "ok") + ", " + record.path("writes_queued").asInt() + " writes queued, WAL "
                    + Format.bytes(record.path("wal_bytes").asLong()));
            if (record.hasNonNull("wal_warning")) {
                out().println("record: " + record.path("wal_warning").asText());
            }
        }
        JsonNode sandbox = status.path("sandbox");
        out().println("sandbox: " + (sandbox.path("available").asBoolean()
                ? "available (" + sandbox.path("bwrap").asText() + ")"
                : sandbox.path("message").asText()));
        return ExitCodes.OK;
    }
}
