package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.control.ShellWords;
import dev.ccd.daemon.supervisor.RunnerLauncher;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.RealDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** README's examples as written: every {@code ccd} line parses, the files it names ship, the first one runs. */
class ReadmeExamplesTest extends RealDaemon {
    private static final Path ROOT = Path.of(System.getProperty(RunnerLauncher.RUNNER_DIR_PROPERTY)).resolve("../..")
            .normalize();

    /** The {@code ccd ...} lines of README's sh blocks, comments cut, continuation lines joined. */
    private static List<String> examples() throws Exception {
        List<String> commands = new ArrayList<>();
        boolean sh = false;
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("README.md"))) {
            if (line.startsWith("```")) {
                sh = line.equals("```sh");
                continue;
            }
            if (!sh) {
                continue;
            }
            String code = line.replaceFirst("\\s+#\\s.*$", "").strip();
            if (pending.length() > 0 || code.startsWith("ccd ")) {
                pending.append(code.endsWith("\\") ? code.substring(0, code.length() - 1) : code).append(' ');
                if (!code.endsWith("\\")) {
                    commands.add(pending.toString().strip());
                    pending.setLength(0);
                }
            }
        }
        return commands;
    }

    @Test
    void everyCcdLineOfTheReadmeParsesAndTheFilesItNamesShip() throws Exception {
        List<String> examples = examples();
        assertThat(examples).hasSizeGreaterThan(15).anyMatch(c -> c.contains("examples/hello.jsonl"));
        for (String example : examples) {
            List<String> words = ShellWords.split(example.replace("\"$PWD\"", "/tmp").replace("$PWD", "/tmp"));
            words.removeIf(w -> w.equals(">") || w.startsWith("~/.ccd-completion"));
            String[] args = words.subList(1, words.size()).toArray(String[]::new);
            CommandLine cli = Main.commandLine(args);
            CommandLine.ParseResult parsed = cli.parseArgs(args);
            assertThat(parsed.originalArgs()).as(example).isNotEmpty();
            int script = words.indexOf("--script");
            if (script > 0) {
                assertThat(ROOT.resolve(words.get(script + 1))).as(example).isRegularFile();
            }
        }
    }

    @Test
    void theFirstExampleRunsAsWrittenAndEndsWhenItsScriptDoes() throws Exception {
        startDaemon();
        String first = examples().stream().filter(c -> c.startsWith("ccd agent start demo")).findFirst().orElseThrow();
        List<String> words = ShellWords.split(first);
        // the path as typed in the checkout's root, which this test's working directory is not
        words.set(words.indexOf("--script") + 1, ROOT.resolve("examples/hello.jsonl").toString());
        Cli.Result started = ccd.run(words.subList(1, words.size()).toArray(String[]::new));
        assertThat(started.exitCode()).as(started.toString()).isZero();
        Path db = home.resolve("ccd.db");
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.scalar(db, "SELECT end_reason FROM agent_runs WHERE name = 'demo'") != null);
        assertThat(Db.scalar(db, "SELECT end_reason FROM agent_runs WHERE name = 'demo'")).isEqualTo("script_exhausted");
        assertThat(Db.count(db, "SELECT last_iteration FROM agent_runs WHERE name = 'demo'")).isEqualTo(3);
        assertThat(Files.readAllLines(home.resolve("workspaces/demo/hello.log"))).hasSize(3);
    }
}
