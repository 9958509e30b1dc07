package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.http.ResultsChart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** {@code ccd agent chart NAME}: the run's results.tsv as the SVG chart the dashboard shows. */
@CommandLine.Command(name = "chart", description = "Write the chart of a run's results.tsv as SVG.")
final class AgentChartCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to write (default NAME.svg)")
    Path output;

    @Override
    public Integer call() {
        JsonNode run = call("agent.status", params().put("name", name)).path("run");
        String workdir = run.path("workdir").asText(null);
        ResultsChart chart;
        try {
            chart = ResultsChart.read(workdir, run.path("args").asText(null)).orElseThrow(() ->
                    new CliException(ExitCodes.FAILED, "run '" + name + "' has no " + ResultsChart.FILE
                            + " in its workdir " + workdir));
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "reading " + ResultsChart.FILE + ": " + e.getMessage());
        }
        Path file = output != null ? output : Path.of(name + ".svg");
        try {
            Files.writeString(file, chart.svg(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "-o " + file + ": cannot write: " + e.getMessage());
        }
        out().println("wrote " + file + ": " + chart.rows().size() + " experiments");
        return ExitCodes.OK;
    }
}
