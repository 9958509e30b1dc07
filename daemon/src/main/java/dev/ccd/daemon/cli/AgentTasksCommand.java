package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code ccd agent tasks NAME}: the background tasks of an agent's live (else latest) run. */
@CommandLine.Command(name = "tasks", description = "Background tasks of the run.")
final class AgentTasksCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        JsonNode result = call("agent.tasks", params().put("name", name));
        if (json) {
            printJson(result.path("tasks"));
            return ExitCodes.OK;
        }
        JsonNode tasks = result.path("tasks");
        if (tasks.isEmpty()) {
            out().println(name + ": no background tasks in run " + result.path("run").path("id").asText());
            return ExitCodes.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode t : tasks) {
            rows.add(List.of(t.path("task_id").asText(), t.path("status").asText(),
                    t.hasNonNull("exit_code") ? t.path("exit_code").asText() : "-", t.path("started_at").asText(),
                    t.path("ended_at").asText("-"), t.path("command").asText(), t.path("output_path").asText()));
        }
        out().print(Format.table(List.of("TASK", "STATUS", "EXIT", "STARTED", "ENDED", "COMMAND", "OUTPUT"), rows));
        return ExitCodes.OK;
    }
}
