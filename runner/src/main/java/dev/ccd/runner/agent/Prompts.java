package dev.ccd.runner.agent;

import java.nio.file.Path;

/** The fixed texts of the agent loop (ARCHITECTURE.md §7). */
final class Prompts {
    static final String BEGIN = "Begin the program.";
    static final String CONTINUE = "Continue to the next iteration of the program.";

    private Prompts() {
    }

    static String first(String args) {
        return args == null || args.isBlank() ? BEGIN : BEGIN + "\n\nArguments: " + args.strip();
    }

    static String system(String templateName, String templateText, Path workdir) {
        return """
                You are an autonomous agent run unattended by ccd. Nobody reads your messages while \
                you work: never ask for confirmation or wait for an answer, decide and act. \
                Work with the tools you are given; your working directory is %s and file tools \
                are confined to it. End your turn with a short summary of what this iteration did \
                and found: it is recorded as the iteration's result.

                The program you run (template "%s") follows.

                %s""".formatted(workdir, templateName, templateText);
    }
}
