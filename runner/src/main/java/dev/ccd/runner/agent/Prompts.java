package dev.ccd.runner.agent;

import java.nio.file.Path;

/** The fixed texts of the agent loop (docs/ARCHITECTURE.md §6). */
final class Prompts {
    static final String BEGIN = "Begin the program.";
    static final String CONTINUE = "Continue to the next iteration of the program.";
    /** After a reply cut off at the output limit, with no tool call in it. */
    static final String CUT_OFF = "Your reply was cut off at the output limit. Continue from where it stopped.";
    /** The result of each tool call in a reply cut off at the output limit: none of them ran. */
    static final String CUT_OFF_CALL = "Not run: your reply was cut off at the output limit, so this call may be"
            + " incomplete. Make it again, smaller (split a long file into several writes or edits).";

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
