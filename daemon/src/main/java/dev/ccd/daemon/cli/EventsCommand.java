package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.control.ControlClient;
import dev.ccd.daemon.control.JsonTrees;
import java.io.IOException;
import picocli.CommandLine;

/** {@code ccd events [-f] [--since ID]}: the daemon's event log. */
@CommandLine.Command(name = "events", description = "Daemon events; -f follows.")
final class EventsCommand extends BaseCommand {

    @CommandLine.Option(names = {"-f", "--follow"}, description = "keep printing new events (Ctrl-C ends)")
    boolean follow;

    @CommandLine.Option(names = "--since", paramLabel = "ID", description = "events after this id (default: the last 100)")
    String since;

    @CommandLine.Option(names = "--json", description = "print JSON: one array, or with -f one object a line")
    boolean json;

    @Override
    public Integer call() {
        Long sinceId = Numbers.whole("--since", since, 0, Long.MAX_VALUE, "event id");
        var p = params().put("n", 100);
        if (sinceId != null) {
            p.put("since", sinceId).put("from_start", true);
        }
        long last = sinceId == null ? 0 : sinceId;
        JsonNode events = call("events.list", p);
        if (json && !follow) {
            printJson(events);
            return ExitCodes.OK;
        }
        for (JsonNode e : events) {
            out().println(withId(e));
            last = e.path("id").asLong();
        }
        out().flush();
        if (!follow) {
            return ExitCodes.OK;
        }
        try (ControlClient client = client()) {
            client.subscribe(params().put("since", last), e -> {
                out().println(withId(e));
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

    /** An event with its id first: the id {@code --since} takes. */
    private String withId(JsonNode e) {
        return json ? JsonTrees.write(e, false) : "#" + e.path("id").asLong() + " " + Format.event(e);
    }
}
