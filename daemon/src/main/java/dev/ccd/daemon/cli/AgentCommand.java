package dev.ccd.daemon.cli;

import picocli.CommandLine;

/** {@code ccd agent ...}: the verbs on agent runs. */
@CommandLine.Command(name = "agent", description = "Start, stop and inspect agent runs.",
        subcommands = {AgentStartCommand.class, AgentStopCommand.class, AgentListCommand.class,
            AgentStatusCommand.class, AgentLogsCommand.class, AgentTasksCommand.class, AgentResumeCommand.class, AgentChartCommand.class})
final class AgentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: start, stop, list, status, logs, tasks, resume, chart");
    }
}
