package dev.ccd.daemon.control;

import java.util.List;
import java.util.Set;

/**
 * The user's srun options ({@code slurm_args}, e.g. {@code --gres=gpu:1 --time=08:00:00
 * --partition=gpu}): split as a shell splits words (spaces, single and double quotes, no
 * expansion), and refused when they would break what the daemon relies on: one task whose stdin
 * and stdout are the runner's pipe, the job's name and directory, the runner's environment.
 */
final class SlurmArgs {
    /** Options the daemon sets itself, or that would take the runner's pipes or environment away. */
    private static final Set<String> OWN = Set.of("-n", "--ntasks", "-N", "--nodes", "-J", "--job-name", "-i", "--input",
            "-o", "--output", "-e", "--error", "-D", "--chdir", "--pty", "-u", "--unbuffered", "--export", "-l", "--label",
            "--multi-prog", "-Z", "--no-allocate", "--test-only", "--bcast", "-h", "--help", "--usage", "-V", "--version");

    private SlurmArgs() {
    }

    /** @throws IllegalArgumentException saying which word is refused and why */
    static List<String> parse(String text) {
        List<String> words = ShellWords.split(text);
        for (String word : words) {
            if (word.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("holds a control character");
            }
            String option = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            if (OWN.contains(option) || (option.length() > 2 && !option.startsWith("--")
                    && option.startsWith("-") && OWN.contains(option.substring(0, 2)))) {
                throw new IllegalArgumentException("holds '" + word + "', which ccd sets itself (one task, its name,"
                        + " directory, environment and pipes): leave it out");
            }
        }
        if (!words.isEmpty() && !words.get(0).startsWith("-")) {
            throw new IllegalArgumentException("starts with '" + words.get(0) + "'; expected srun options such as"
                    + " --partition=gpu --gres=gpu:1 --time=08:00:00");
        }
        return words;
    }
}
