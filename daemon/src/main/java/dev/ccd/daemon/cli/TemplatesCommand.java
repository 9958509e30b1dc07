package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ccd.daemon.control.JsonTrees;
import dev.ccd.daemon.templates.TemplateCatalog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * {@code ccd templates list | show NAME}: read from the installation and the home directly, as
 * the daemon reads them at each start, so they work with no daemon running.
 */
@CommandLine.Command(name = "templates", description = "List and show templates (no daemon needed).")
final class TemplatesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, show");
    }

    static TemplateCatalog catalog(BaseCommand command) {
        return TemplateCatalog.installed(command.home().templates());
    }

    @CommandLine.Command(name = "list", description = "Built-in and user templates.")
    static final class ListTemplates extends BaseCommand {
        @CommandLine.Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            List<TemplateCatalog.Template> templates = catalog(this).list();
            if (json) {
                ArrayNode list = JsonTrees.array();
                for (TemplateCatalog.Template t : templates) {
                    list.addObject().put("name", t.name()).put("source", t.source()).put("description", t.description())
                            .put("usable", t.problem() == null);
                }
                printJson(list);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (TemplateCatalog.Template t : templates) {
                rows.add(List.of(t.name(), t.source(), t.description()));
            }
            out().print(Format.table(List.of("NAME", "SOURCE", "DESCRIPTION"), rows));
            return ExitCodes.OK;
        }
    }

    @CommandLine.Command(name = "show", description = "Print a template.")
    static final class ShowTemplate extends BaseCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "NAME", description = "template name or path to a .md file")
        String name;

        @CommandLine.Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            TemplateCatalog catalog = catalog(this);
            TemplateCatalog.Template t;
            try {
                t = catalog.find(name).orElseThrow(() -> new CliException(ExitCodes.FAILED, "no template '" + name
                        + "'; see 'ccd templates list'"));
            } catch (TemplateCatalog.NotText e) {
                throw new CliException(ExitCodes.FAILED, "template " + e.getMessage());
            }
            if (json) {
                printJson(JsonTrees.object().put("name", t.name()).put("source", t.source()).put("text", t.text()));
                return ExitCodes.OK;
            }
            out().print(t.text());
            return ExitCodes.OK;
        }
    }
}
