package dev.ccd.process;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start, independent of where it runs: a {@link Launcher} decides how (a local fork, a
 * sandbox, a cluster job).
 *
 * @param argv               the program and its arguments
 * @param workdir            its working directory
 * @param environment        variables set for it, over the inherited ones or alone
 * @param inheritEnvironment whether it starts from the caller's environment; false: from
 *                           {@code environment} alone
 * @param stdin              where its stdin comes from ({@link Redirect#PIPE}: the caller writes it)
 * @param stdout             where its stdout goes
 * @param stderr             where its stderr goes; ignored with {@code mergeStderr}
 * @param mergeStderr        stderr goes where stdout goes
 * @param newSession         it leads a new session and process group, so that a signal to the
 *                           group reaches what it started even once orphaned; false: it stays in
 *                           the caller's group and only its tree is signalled
 */
public record Command(List<String> argv, Path workdir, Map<String, String> environment, boolean inheritEnvironment,
        Redirect stdin, Redirect stdout, Redirect stderr, boolean mergeStderr, boolean newSession) {

    public Command {
        if (argv == null || argv.isEmpty() || workdir == null) {
            throw new IllegalArgumentException("a command needs a program and a working directory");
        }
        argv = List.copyOf(argv);
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        stdin = stdin == null ? Redirect.PIPE : stdin;
        stdout = stdout == null ? Redirect.PIPE : stdout;
        stderr = stderr == null ? Redirect.PIPE : stderr;
    }

    /** Pipes on all three streams, the caller's environment, a new session. */
    public static Command of(List<String> argv, Path workdir) {
        return new Command(argv, workdir, Map.of(), true, null, null, null, false, true);
    }

    public Command withEnvironment(Map<String, String> variables, boolean inherit) {
        return new Command(argv, workdir, variables, inherit, stdin, stdout, stderr, mergeStderr, newSession);
    }

    public Command withStdin(Redirect from) {
        return new Command(argv, workdir, environment, inheritEnvironment, from, stdout, stderr, mergeStderr, newSession);
    }

    public Command withStdout(Redirect to) {
        return new Command(argv, workdir, environment, inheritEnvironment, stdin, to, stderr, mergeStderr, newSession);
    }

    public Command withStderr(Redirect to) {
        return new Command(argv, workdir, environment, inheritEnvironment, stdin, stdout, to, false, newSession);
    }

    /** stderr interleaved with stdout, as one stream. */
    public Command mergingStderr() {
        return new Command(argv, workdir, environment, inheritEnvironment, stdin, stdout, stderr, true, newSession);
    }

    public Command inCallersGroup() {
        return new Command(argv, workdir, environment, inheritEnvironment, stdin, stdout, stderr, mergeStderr, false);
    }

    /** The arguments, for logs: an environment may hold secrets and is never shown. */
    @Override
    public String toString() {
        return "Command" + argv + " in " + workdir;
    }
}
