package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.daemon.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI answers by itself, with no daemon: help, version, completion, errors, templates. */
class CliWithoutDaemonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Cli ccd() {
        return new Cli(tmp.resolve("home"));
    }

    /** Every command line that names a verb: [start], [agent, start], ... */
    private static List<List<String>> everyVerb() {
        List<List<String>> verbs = new ArrayList<>();
        for (Map.Entry<String, Class<?>> verb : Main.VERBS.entrySet()) {
            verbs.add(List.of(verb.getKey()));
            for (String sub : Main.GROUPS.getOrDefault(verb.getKey(), Map.of()).keySet()) {
                verbs.add(List.of(verb.getKey(), sub));
            }
        }
        return verbs;
    }

    @Test
    void everyCommandHasHelpAndVersion() {
        assertThat(everyVerb()).hasSizeGreaterThan(15);
        for (List<String> verb : everyVerb()) {
            List<String> help = new ArrayList<>(verb);
            help.add("--help");
            Cli.Result h = ccd().run(help.toArray(String[]::new));
            assertThat(h.exitCode()).as(h.toString()).isZero();
            assertThat(h.out()).as(h.toString()).startsWith("Usage: ccd " + String.join(" ", verb))
                    .contains("--home=DIR").contains("--version");
            List<String> version = new ArrayList<>(verb);
            version.add("-V");
            Cli.Result v = ccd().run(version.toArray(String[]::new));
            assertThat(v.exitCode()).as(v.toString()).isZero();
            assertThat(v.out().strip()).isEqualTo(Main.VERSION);
        }
        Cli.Result top = ccd().run("--help");
        assertThat(top.out()).contains("agent").contains("templates").contains("completion");
    }

    @Test
    void homeIsTakenBeforeOrAfterTheVerbAndJsonErrorsAreJsonWithoutADaemon() throws Exception {
        Path home = tmp.resolve("elsewhere");
        Cli.Result before = Cli.exactly("--home", home.toString(), "status", "--json");
        Cli.Result after = Cli.exactly("status", "--json", "--home", home.toString());
        Cli.Result nested = Cli.exactly("--home", home.toString(), "agent", "list", "--json");
        Cli.Result equals = Cli.exactly("--home=" + home, "agent", "status", "x", "--json");
        for (Cli.Result r : List.of(before, after, nested, equals)) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.NOT_RUNNING);
            JsonNode error = JSON.readTree(r.out());
            assertThat(error.path("exit_code").asInt()).isEqualTo(3);
            assertThat(error.path("error").asText()).contains(home.resolve("run/ccd.sock").toString())
                    .contains("ccd start");
            assertThat(r.err()).isEmpty();
        }
        String[][] readVerbs = {{"agent", "status", "x"}, {"agent", "logs", "x"}, {"agent", "tasks", "x"},
            {"events"}, {"permission", "list"}};
        for (String[] verb : readVerbs) {
            List<String> args = new ArrayList<>(List.of(verb));
            args.add("--json");
            Cli.Result r = ccd().run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
            assertThat(JSON.readTree(r.out()).path("exit_code").asInt()).as(r.toString()).isEqualTo(3);
        }
        // a usage error with --json is JSON too
        Cli.Result usage = ccd().run("agent", "status", "--json");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(JSON.readTree(usage.out()).path("error").asText()).isEqualTo("missing NAME");
    }

    @Test
    void aBadValueIsOneLineInTheOptionsWordsWithoutJavaTypesOrScientificNotation() {
        String start = "see 'ccd agent start --help'";
        assertThat(error("agent", "start", "x", "--template", "hello", "--interval", "-5"))
                .isEqualTo("ccd: --interval -5: must be 0 to 86400 seconds; " + start);
        assertThat(error("agent", "start", "x", "--template", "hello", "--interval", "abc"))
                .isEqualTo("ccd: --interval abc: must be a number of seconds (0 to 86400); " + start);
        assertThat(error("agent", "start", "x", "--template", "hello", "--max-cost", "-3"))
                .isEqualTo("ccd: --max-cost -3: must be 0 to 1000000000 US dollars, or 'unlimited'; " + start);
        assertThat(error("agent", "start", "x", "--template", "hello", "--max-iterations", "2.5"))
                .startsWith("ccd: --max-iterations 2.5: must be a whole number of iterations");
        assertThat(error("agent", "stop", "x", "--timeout", "0"))
                .isEqualTo("ccd: --timeout 0: must be 0.001 to 3600 seconds; see 'ccd agent stop --help'");
        assertThat(error("agent", "logs", "x", "-n", "zero")).startsWith("ccd: -n zero: must be a number of events");
        assertThat(error("events", "--since", "-1")).startsWith("ccd: --since -1: must be at least 0 (event id);");
        assertThat(error("agent", "start", "x")).isEqualTo("ccd: missing --template T; " + start);
        assertThat(error("agent", "strat")).startsWith("ccd: unknown command 'strat' (did you mean ").contains("start")
                .endsWith("see 'ccd agent --help'");
        assertThat(error("status", "--bogus")).isEqualTo("ccd: unknown option '--bogus'; see 'ccd status --help'");

        // 'unlimited' wherever a limit is: parsed, then the missing daemon is the only trouble
        for (String option : List.of("--max-iterations", "--max-tokens", "--max-cost")) {
            Cli.Result r = ccd().run("agent", "start", "x", "--template", "hello", option, "unlimited");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.NOT_RUNNING);
        }
    }

    /** The error of a command that must fail: one line, no Java words. */
    private String error(String... args) {
        Cli.Result r = ccd().run(args);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.err().lines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).doesNotContain("double").doesNotContain("long").doesNotContain("Integer")
                .doesNotContain("E9").doesNotContain("Usage:");
        // the command line the test added --home to is not part of the message
        return r.err().strip().replace(" --home", "");
    }

    @Test
    void completionScriptsForBashAndZshNameEveryVerb() {
        Cli.Result bash = ccd().run("completion", "bash");
        assertThat(bash.exitCode()).as(bash.toString()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("agent").contains("permission").contains("--max-iterations");
        Cli.Result zsh = ccd().run("completion", "zsh");
        assertThat(zsh.exitCode()).isZero();
        assertThat(zsh.out()).contains("bashcompinit").contains("complete -F");
        assertThat(ccd().run("completion", "fish").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void templatesAreListedAndShownWithoutADaemonAndABinaryOneIsNamedNotFatal() throws Exception {
        Path userTemplates = Files.createDirectories(tmp.resolve("home/templates"));
        Files.write(userTemplates.resolve("blob.md"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80});
        Files.writeString(userTemplates.resolve("mine.md"), "---\ndescription: my own\n---\n# mine\n");

        Cli.Result list = ccd().run("templates", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out()).contains("hello").contains("autoresearch").contains("my own")
                .containsPattern("blob +user +\\(cannot be used: .*blob.md is not UTF-8 text\\)");
        JsonNode listed = JSON.readTree(ccd().run("templates", "list", "--json").out());
        assertThat(listed.findValuesAsText("name")).contains("hello", "mine", "blob");

        Cli.Result show = ccd().run("templates", "show", "hello");
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).contains("# hello");
        Cli.Result blob = ccd().run("templates", "show", "blob");
        assertThat(blob.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(blob.err()).contains(userTemplates.resolve("blob.md").toString()).contains("is not UTF-8 text")
                .doesNotContain("Input length");
    }
}
