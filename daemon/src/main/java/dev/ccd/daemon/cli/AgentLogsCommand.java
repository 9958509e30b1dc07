package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.control.ControlClient;
import dev.ccd.daemon.control.JsonTrees;
import java.io.IOException;
import picocli.CommandLine;

/** {@code ccd agent logs NAME}: iterations, notices and task events of a run; {@code -f} follows. */
@CommandLine.Command(name = "logs", description = "Iterations, notices and task events; -f follows.")
final class AgentLogsCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = {"-f", "--follow"}, description = "keep printing new events until the run ends")
    boolean follow;

    @CommandLine.Option(names = "-n", paramLabel = "N", description = "last N events (default 50)")
    String n;

    @CommandLine.Option(names = "--json", description = "print JSON (with -f: one event a line)")
    boolean json;

    @Override
    public Integer call() {
        long count = n == null ? 50 : Numbers.whole("-n", n, 1, 100_000, "events");
        JsonNode logs = call("agent.logs", params().put("name", name).put("n", count));
        if (json && !follow) {
            printJson(logs);
            return ExitCodes.OK;
        }
        long last = 0;
        for (JsonNode e : logs.path("events")) {
            out().println(json ? JsonTrees.write(e, false) : Format.event(e));
            last = e.path("id").asLong();
        }
        out().flush();
        boolean ended = logs.path("run").hasNonNull("ended_at");
        if (!follow || ended) {
            return ExitCodes.OK;
        }
        try (ControlClient client = client()) {
            client.subscribe(params().put("name", name).put("since", last), e -> {
                out().println(json ? JsonTrees.write(e, false) : Format.event(e));
                out().flush();
                return !"run_ended".equals(e.path("kind").asText());
            });
        } catch (ControlClient.RpcError e) {
            throw fromRpc(e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "following logs: " + e.getMessage());
        }
        return ExitCodes.OK;
    }
}
