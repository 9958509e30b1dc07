package dev.ccd.daemon.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code ccd}: the command line.
 *
 * <p>The verbs are registered here, not in {@code @Command(subcommands)}: picocli builds the model
 * of every command it is given by reflection, which was most of a call's start-up, so a command
 * line builds only the verbs on its path ({@code ccd agent list} builds {@code ccd}, {@code agent}
 * and {@code list}); help, completion and anything unrecognised build them all. A new verb is one
 * more entry in {@link #VERBS} (or in {@link #GROUPS} under its group).
 */
@CommandLine.Command(name = "ccd", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        scope = CommandLine.ScopeType.INHERIT, description = "Run autonomous LLM agents unattended.")
public final class Main implements Runnable {
    static final String VERSION = "ccd 0.1.0";

    /** Top-level verbs, in the order help lists them. */
    static final Map<String, Class<?>> VERBS = verbs(
            "start", StartCommand.class,
            "stop", StopCommand.class,
            "status", StatusCommand.class,
            "agent", AgentCommand.class,
            "permission", PermissionCommand.class,
            "templates", TemplatesCommand.class,
            "events", EventsCommand.class,
            "dashboard", DashboardCommand.class,
            "completion", CompletionCommand.class);

    /** The verbs under a group verb. */
    static final Map<String, Map<String, Class<?>>> GROUPS = Map.of(
            "agent", verbs(
                    "start", AgentStartCommand.class,
                    "stop", AgentStopCommand.class,
                    "list", AgentListCommand.class,
                    "status", AgentStatusCommand.class,
                    "logs", AgentLogsCommand.class,
                    "tasks", AgentTasksCommand.class,
                    "resume", AgentResumeCommand.class,
                    "chart", AgentChartCommand.class),
            "permission", verbs(
                    "list", PermissionCommand.ListRequests.class,
                    "approve", PermissionCommand.Approve.class,
                    "deny", PermissionCommand.Deny.class),
            "templates", verbs(
                    "list", TemplatesCommand.ListTemplates.class,
                    "show", TemplatesCommand.ShowTemplate.class));

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--home", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "ccd home (default: $CCD_HOME, else ~/.ccd); before or after the verb")
    Path home;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: "
                + String.join(", ", VERBS.keySet()));
    }

    /** The version line of every command's {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {VERSION};
        }
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
        CommandLine cli = commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        Errors errors = new Errors(Arrays.asList(args).contains("--json"));
        cli.setParameterExceptionHandler(errors::usage);
        cli.setExecutionExceptionHandler(errors::failure);
        return cli.execute(args);
    }

    /** The command tree for this command line: only the verbs it names, or all of them. */
    static CommandLine commandLine(String... args) {
        CommandLine root = new CommandLine(new Main());
        List<String> words = words(args);
        Class<?> verb = words.isEmpty() ? null : VERBS.get(words.get(0));
        if (words.isEmpty() && !Arrays.asList(args).contains("--help") && !Arrays.asList(args).contains("-h")) {
            return root; // ccd --version, or ccd alone (whose error lists the verbs): none needed
        }
        if (verb == null || verb == CompletionCommand.class) {
            addAll(root);
            return root;
        }
        CommandLine verbLine = new CommandLine(verb);
        root.addSubcommand(words.get(0), verbLine);
        Map<String, Class<?>> group = GROUPS.get(words.get(0));
        if (group != null) {
            Class<?> sub = words.size() > 1 ? group.get(words.get(1)) : null;
            if (sub == null) {
                group.forEach(verbLine::addSubcommand);
            } else {
                verbLine.addSubcommand(words.get(1), sub);
            }
        }
        return root;
    }

    /** Every verb: for help, completion, and for suggesting the verb meant. */
    static void addAll(CommandLine root) {
        VERBS.forEach((name, type) -> {
            CommandLine verbLine = new CommandLine(type);
            root.addSubcommand(name, verbLine);
            GROUPS.getOrDefault(name, Map.of()).forEach(verbLine::addSubcommand);
        });
    }

    /**
     * The first two words that are not options (nor the value of {@code --home}); none when
     * {@code ccd} itself is asked for help before any verb, so that its help lists them all.
     */
    private static List<String> words(String[] args) {
        List<String> words = new java.util.ArrayList<>(2);
        for (int i = 0; i < args.length && words.size() < 2; i++) {
            String a = args[i];
            if (a.equals("--home")) {
                i++;
            } else if (words.isEmpty() && (a.equals("--help") || a.equals("-h"))) {
                return List.of();
            } else if (!a.startsWith("-")) {
                words.add(a);
            }
        }
        return words;
    }

    private static Map<String, Class<?>> verbs(Object... nameAndClass) {
        Map<String, Class<?>> map = new LinkedHashMap<>();
        for (int i = 0; i < nameAndClass.length; i += 2) {
            map.put((String) nameAndClass[i], (Class<?>) nameAndClass[i + 1]);
        }
        return map;
    }
}
