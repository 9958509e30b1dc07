package dev.ccd.daemon.cli;

import dev.ccd.daemon.control.JsonTrees;
import java.util.List;
import picocli.CommandLine;

/**
 * How a command line that fails is told: one line naming what was typed, then where help is, for
 * a usage error (no usage dump); with {@code --json}, an object {@code {"error", "exit_code"}} on
 * stdout instead, so a script reading JSON always gets JSON.
 */
final class Errors {
    private final boolean json;

    Errors(boolean json) {
        this.json = json;
    }

    int usage(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String help = "see '" + cl.getCommandSpec().qualifiedName() + " --help'";
        return report(cl, ExitCodes.USAGE, message(e), help);
    }

    int failure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (e instanceof CliException c) {
            return report(cl, c.exitCode(), c.getMessage(), c.exitCode() == ExitCodes.USAGE
                    ? "see '" + cl.getCommandSpec().qualifiedName() + " --help'" : null);
        }
        return report(cl, ExitCodes.FAILED, "unexpected error: " + e, null);
    }

    private int report(CommandLine cl, int code, String message, String hint) {
        if (json) {
            cl.getOut().println(JsonTrees.write(JsonTrees.object().put("error", message).put("exit_code", code), true));
            cl.getOut().flush();
        } else {
            cl.getErr().println("ccd: " + message + (hint == null ? "" : "; " + hint));
            cl.getErr().flush();
        }
        return code;
    }

    /** picocli's message, in the words of the command line: no Java types. */
    private static String message(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()) {
            StringBuilder what = new StringBuilder();
            for (CommandLine.Model.ArgSpec arg : missing.getMissing()) {
                what.append(what.length() == 0 ? "" : ", ").append(arg.isOption()
                        ? ((CommandLine.Model.OptionSpec) arg).longestName() + " " + arg.paramLabel()
                        : arg.paramLabel());
            }
            return "missing " + what;
        }
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String word = unmatched.getUnmatched().get(0);
            String what = word.startsWith("-") ? "unknown option '" + word + "'"
                    : unmatched.getCommandLine().getSubcommands().isEmpty() ? "unexpected argument '" + word + "'"
                    : "unknown command '" + word + "'";
            List<String> suggestions = unmatched.getSuggestions();
            return what + (suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)");
        }
        String text = e.getMessage();
        if (e.getArgSpec() != null && e.getValue() != null && text.startsWith("Invalid value")) {
            // a conversion picocli did itself ("'abc' is not a double"): say what was expected instead
            String option = e.getArgSpec().isOption()
                    ? ((CommandLine.Model.OptionSpec) e.getArgSpec()).longestName() : e.getArgSpec().paramLabel();
            return option + " " + e.getValue() + ": expected " + e.getArgSpec().paramLabel();
        }
        return text;
    }
}
