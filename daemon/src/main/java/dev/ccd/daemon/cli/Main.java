package dev.ccd.daemon.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** {@code ccd}: the command line. */
@CommandLine.Command(name = "ccd", mixinStandardHelpOptions = true, version = "ccd 0.1.0",
        description = "Run autonomous LLM agents unattended.",
        subcommands = {StartCommand.class, StopCommand.class, StatusCommand.class, AgentCommand.class, PermissionCommand.class,
            TemplatesCommand.class, EventsCommand.class, DashboardCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line with the given writers; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException c) {
                commandLine.getErr().println("ccd: " + c.getMessage());
                return c.exitCode();
            }
            commandLine.getErr().println("ccd: unexpected error: " + e);
            return ExitCodes.FAILED;
        });
        return cli.execute(args);
    }
}
