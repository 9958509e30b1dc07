package dev.ccd.daemon.cli;

import picocli.CommandLine;

/** {@code ccd agent ...}: the verbs on agent runs. */
@CommandLine.Command(name = "agent", description = "Start, stop and inspect agent runs.")
final class AgentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: start, stop, list, status, logs, tasks, resume, chart");
    }
}
