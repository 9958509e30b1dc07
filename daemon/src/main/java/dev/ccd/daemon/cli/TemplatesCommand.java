package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code ccd templates list | show NAME}. */
@CommandLine.Command(name = "templates", description = "List and show templates.",
        subcommands = {TemplatesCommand.ListTemplates.class, TemplatesCommand.ShowTemplate.class})
final class TemplatesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, show");
    }

    @CommandLine.Command(name = "list", description = "Built-in and user templates.")
    static final class ListTemplates extends BaseCommand {
        @Override
        public Integer call() {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode t : call("template.list", null)) {
                rows.add(List.of(t.path("name").asText(), t.path("source").asText(), t.path("description").asText()));
            }
            out().print(Format.table(List.of("NAME", "SOURCE", "DESCRIPTION"), rows));
            return ExitCodes.OK;
        }
    }

    @CommandLine.Command(name = "show", description = "Print a template.")
    static final class ShowTemplate extends BaseCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode t = call("template.show", params().put("name", name));
            out().print(t.path("text").asText());
            return ExitCodes.OK;
        }
    }
}
