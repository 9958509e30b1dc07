package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.control.ControlClient;
import java.io.IOException;
import picocli.CommandLine;

/** {@code ccd events [-f] [--since ID]}: the daemon's event log. */
@CommandLine.Command(name = "events", description = "Daemon events; -f follows.")
final class EventsCommand extends BaseCommand {

    @CommandLine.Option(names = {"-f", "--follow"}, description = "keep printing new events (Ctrl-C ends)")
    boolean follow;

    @CommandLine.Option(names = "--since", paramLabel = "ID", description = "events after this id (default: the last 100)")
    String since;

    @Override
    public Integer call() {
        Long sinceId = Numbers.whole("--since", since, 0, Long.MAX_VALUE, "event id");
        var p = params().put("n", 100);
        if (sinceId != null) {
            p.put("since", sinceId).put("from_start", true);
        }
        long last = sinceId == null ? 0 : sinceId;
        for (JsonNode e : call("events.list", p)) {
            out().println(Format.event(e));
            last = e.path("id").asLong();
        }
        out().flush();
        if (!follow) {
            return ExitCodes.OK;
        }
        try (ControlClient client = client()) {
            client.subscribe(params().put("since", last), e -> {
                out().println(Format.event(e));
                out().flush();
                return true;
            });
        } catch (ControlClient.RpcError e) {
            throw fromRpc(e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "following events: " + e.getMessage());
        }
        return ExitCodes.OK;
    }
}
