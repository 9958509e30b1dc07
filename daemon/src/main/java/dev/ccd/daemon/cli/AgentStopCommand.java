package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;

/** {@code ccd agent stop NAME}: stops a run (or cancels its pending restart) and waits for its end. */
@CommandLine.Command(name = "stop", description = "Stop an agent run; waits until it has ended.")
final class AgentStopCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = "--timeout", paramLabel = "SECONDS",
            description = "SIGKILL after this many seconds (SIGTERM at 2 s or half of it); default 5")
    String timeout;

    @Override
    public Integer call() {
        Double seconds = Numbers.decimal("--timeout", timeout, 0.001, 3600, "seconds");
        var p = params().put("name", name);
        if (seconds != null) {
            p.put("timeout_s", seconds);
        }
        JsonNode run = call("agent.stop", p);
        out().printf("%s: run %s %s after %d iterations%n", name, run.path("id").asText(),
                run.path("status").asText(), run.path("last_iteration").asInt());
        return ExitCodes.OK;
    }
}
