package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code ccd permission list | approve ID | deny ID [--reason TEXT]}: answer {@code --ask} runs. */
@CommandLine.Command(name = "permission", description = "List and answer permission requests of --ask runs.")
final class PermissionCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, approve, deny");
    }

    @CommandLine.Command(name = "list", description = "Pending requests.")
    static final class ListRequests extends BaseCommand {
        @CommandLine.Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            JsonNode requests = call("permission.list", null);
            if (json) {
                printJson(requests);
                return ExitCodes.OK;
            }
            if (requests.isEmpty()) {
                out().println("no pending permission requests");
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode r : requests) {
                rows.add(List.of(r.path("id").asText(), r.path("name").asText(), r.path("tool").asText(),
                        Format.toolInput(r.path("tool").asText(), r.path("input")), r.path("created_at").asText()));
            }
            out().print(Format.table(List.of("ID", "AGENT", "TOOL", "INPUT", "ASKED"), rows));
            return ExitCodes.OK;
        }
    }

    @CommandLine.Command(name = "approve", description = "Let the tool call run.")
    static final class Approve extends BaseCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            JsonNode r = call("permission.answer", params().put("id", id).put("granted", true));
            out().printf("approved %s (%s %s)%n", id, r.path("name").asText(), r.path("tool").asText());
            return ExitCodes.OK;
        }
    }

    @CommandLine.Command(name = "deny", description = "Refuse the tool call; the model is told why.")
    static final class Deny extends BaseCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "ID")
        String id;

        @CommandLine.Option(names = "--reason", paramLabel = "TEXT", description = "what the model is told")
        String reason;

        @Override
        public Integer call() {
            var p = params().put("id", id).put("granted", false);
            if (reason != null) {
                p.put("reason", reason);
            }
            JsonNode r = call("permission.answer", p);
            out().printf("denied %s (%s %s)%n", id, r.path("name").asText(), r.path("tool").asText());
            return ExitCodes.OK;
        }
    }
}
