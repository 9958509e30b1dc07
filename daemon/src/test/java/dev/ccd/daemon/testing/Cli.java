package dev.ccd.daemon.testing;

import dev.ccd.daemon.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code ccd} commands in this JVM with captured output; daemons they start are real processes. */
public final class Cli {
    private final Path home;

    public Cli(Path home) {
        this.home = home;
    }

    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** The command with {@code --home} added at its end. */
    public Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--home");
        all.add(home.toString());
        return exactly(all.toArray(String[]::new));
    }

    /** The command exactly as given (no {@code --home} added). */
    public static Result exactly(String... all) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Result(code, out.toString(), err.toString());
    }
}
