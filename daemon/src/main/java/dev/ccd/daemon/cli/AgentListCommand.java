package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code ccd agent list}: live runs, or all with {@code --all}. */
@CommandLine.Command(name = "list", description = "List live runs; --all includes finished ones.")
final class AgentListCommand extends BaseCommand {

    @CommandLine.Option(names = "--all", description = "include finished runs")
    boolean all;

    @CommandLine.Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        JsonNode runs = call("agent.list", params().put("all", all));
        if (json) {
            printJson(runs);
            return ExitCodes.OK;
        }
        if (runs.isEmpty()) {
            out().println(all ? "no runs" : "no live runs (--all shows finished ones)");
            return ExitCodes.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode r : runs) {
            rows.add(List.of(r.path("name").asText(), r.path("status").asText(), r.path("end_reason").asText("-"),
                    r.path("id").asText(), r.path("template").asText(), String.valueOf(r.path("last_iteration").asInt()),
                    String.valueOf(r.path("tokens_in").asLong() + r.path("tokens_out").asLong()),
                    Format.cost(r.path("cost_usd").asDouble()), r.path("started_at").asText()));
        }
        out().print(Format.table(List.of("NAME", "STATUS", "REASON", "RUN", "TEMPLATE", "ITER", "TOKENS", "COST", "STARTED"), rows));
        return ExitCodes.OK;
    }
}
