package dev.ccd.daemon.cli;

import picocli.AutoComplete;
import picocli.CommandLine;

/** {@code ccd completion bash|zsh}: a completion script for the shell (source it, or put it in the shell's completion dir). */
@CommandLine.Command(name = "completion", description = "Print a bash or zsh completion script: source <(ccd completion bash)")
final class CompletionCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CliException(ExitCodes.USAGE, "SHELL is '" + shell + "'; expected bash or zsh");
        }
        CommandLine root = spec.root().commandLine();
        // the same script serves zsh, through its bashcompinit
        String script = AutoComplete.bash("ccd", root);
        if (shell.equals("zsh")) {
            script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        out().print(script);
        return ExitCodes.OK;
    }
}
