package dev.ccd.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.process.ProcessTree;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner as the daemon sees it: a real JVM spoken to over its stdin and stdout. */
class RunnerJvmTest {

    @TempDir
    Path tmp;
    RunnerHarness runner;

    @AfterEach
    void killRunner() {
        if (runner != null) {
            runner.close();
        }
    }

    private void launch() throws IOException {
        runner = RunnerHarness.launch(tmp, Map.of());
    }

    private Message next() throws InterruptedException {
        return runner.next();
    }

    private Message.Init init(int protocol, Path script, Budget budget, double intervalS) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        return new Message.Init(protocol, "r-test", "test", new TemplateSpec("t", "# t\nDo things."), "x=1",
                new RunConfig("scripted", null, null, script == null ? null : script.toString(), work.toString(),
                        tmp.resolve("run").toString(), intervalS, false, null, budget, null, null, null, null, null, null, null));
    }

    private Path script(String... lines) throws IOException {
        return Files.write(tmp.resolve("script.jsonl"), List.of(lines), StandardCharsets.UTF_8);
    }

    @Test
    void runsTheScriptAndCompletesWhenItIsExhausted() throws Exception {
        Path script = script(
                "{\"text\": \"writing\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo hi > out.txt\"}}]}",
                "{\"text\": \"wrote out.txt\"}",
                "{\"text\": \"second iteration\"}");
        launch();

        runner.send(init(Message.PROTOCOL_VERSION, script, Budget.UNLIMITED, 0));

        assertThat(next()).isInstanceOfSatisfying(Message.Ready.class, r -> assertThat(r.pid()).isEqualTo(runner.process.pid()));
        assertThat(next()).isEqualTo(new Message.IterationStart(1));
        assertThat(next()).isInstanceOfSatisfying(Message.IterationDone.class, d -> {
            assertThat(d.status()).isEqualTo(IterationStatus.OK);
            assertThat(d.summary()).isEqualTo("wrote out.txt");
            assertThat(d.tokensIn()).isPositive();
            assertThat(d.tokensOut()).isEqualTo((long) Math.ceil(("writing".length() + "bash".length()
                    + "{\"command\":\"echo hi > out.txt\"}".length()) / 4.0) + (long) Math.ceil("wrote out.txt".length() / 4.0));
        });
        assertThat(next()).isEqualTo(new Message.IterationStart(2));
        assertThat(next()).isInstanceOfSatisfying(Message.IterationDone.class,
                d -> assertThat(d.summary()).isEqualTo("second iteration"));
        assertThat(next()).isEqualTo(new Message.Exit(EndReason.SCRIPT_EXHAUSTED, 2, null));
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.process.exitValue()).isZero();
        assertThat(tmp.resolve("work/out.txt")).hasContent("hi");
    }

    @Test
    void aPermissionRequestTooLargeForTheProtocolIsDeniedToTheModelAndTheRunGoesOn() throws Exception {
        String big = "x".repeat(1_500_000);
        Path script = script(
                "{\"text\": \"\", \"tool_calls\": [{\"name\": \"write_file\", \"input\": {\"path\": \"big.txt\","
                        + " \"content\": \"" + big + "\"}}]}",
                "{\"text\": \"could not write it\"}");
        launch();
        Message.Init plain = init(Message.PROTOCOL_VERSION, script, Budget.UNLIMITED, 0);
        RunConfig c = plain.config();
        runner.send(new Message.Init(plain.protocol(), plain.runId(), plain.name(), plain.template(), plain.args(),
                new RunConfig(c.provider(), null, null, c.script(), c.workdir(), c.runDir(), 0, true, 60.0, null, null,
                        null, null, null, null, null, null)));

        List<Message> messages = runner.untilExit();

        assertThat(messages).noneMatch(m -> m instanceof Message.PermissionRequest);
        assertThat(messages).filteredOn(m -> m instanceof Message.IterationDone).singleElement()
                .satisfies(m -> assertThat(((Message.IterationDone) m).summary()).isEqualTo("could not write it"));
        assertThat(messages.get(messages.size() - 1)).isEqualTo(new Message.Exit(EndReason.SCRIPT_EXHAUSTED, 1, null));
        assertThat(tmp.resolve("work/big.txt")).doesNotExist();
        assertThat(Files.readString(tmp.resolve("stderr.log"))).contains("could not be sent: denied");
    }

    @Test
    void pingsAreAnsweredAtOnceWhileTheLoopIsInALongToolCall() throws Exception {
        Path script = script("{\"text\": \"\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo started > busy; sleep 1000.5\"}}]}");
        launch();
        runner.send(init(Message.PROTOCOL_VERSION, script, Budget.UNLIMITED, 0));
        assertThat(next()).isInstanceOf(Message.Ready.class);
        assertThat(next()).isEqualTo(new Message.IterationStart(1));
        Path busy = tmp.resolve("work/busy");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(busy) && Files.size(busy) > 0);

        for (long seq = 1; seq <= 5; seq++) {
            long sent = System.nanoTime();
            runner.send(new Message.Ping(seq));
            assertThat(next()).isEqualTo(new Message.Pong(seq));
            // the tool call sleeps for 1000 s: only an answer from outside the loop comes this fast
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(2));
        }
        runner.send(new Message.Ping(null));
        assertThat(next()).isEqualTo(new Message.Pong(null));

        runner.send(new Message.Stop("test"));
        assertThat(runner.untilExit()).last().isInstanceOf(Message.Exit.class);
    }

    @Test
    void stopDuringALongCommandEndsTheCommandAndTheRunnerBeforeTheSigterm() throws Exception {
        // in the sandbox's PID namespace $$ is not the host's pid: the command is found by its own line
        Path script = script("{\"text\": \"\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo $$ > pid; sleep 1000.25\"}}]}");
        launch();
        runner.send(init(Message.PROTOCOL_VERSION, script, Budget.UNLIMITED, 0));
        assertThat(next()).isInstanceOf(Message.Ready.class);
        assertThat(next()).isEqualTo(new Message.IterationStart(1));
        Path pidFile = tmp.resolve("work/pid");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
        assertThat(running("sleep 1000.25")).isNotEmpty();

        long start = System.nanoTime();
        runner.send(new Message.Stop("test"));
        runner.closeStdin();

        assertThat(next()).isInstanceOfSatisfying(Message.IterationDone.class, d -> assertThat(d.status()).isEqualTo(IterationStatus.STOPPED));
        assertThat(next()).isEqualTo(new Message.Exit(EndReason.STOPPED, 1, null));
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        // normally well under a second; the hard line is the daemon's SIGTERM at 2 s
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        // a zombie waiting for init to reap it is gone as well
        await().atMost(Duration.ofSeconds(5)).until(() -> running("sleep 1000.25").isEmpty());
    }

    /** Processes of this machine whose command line contains {@code fragment}, zombies not counted. */
    static List<ProcessHandle> running(String fragment) {
        return ProcessHandle.allProcesses().filter(ProcessTree::running)
                .filter(p -> p.info().commandLine().map(line -> line.contains(fragment)).orElse(false)).toList();
    }

    @Test
    void endOfStdinWithoutStopEndsTheRunnerBeforeTheSigterm() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            lines.add("{\"text\": \"tick\"}");
        }
        Path script = Files.write(tmp.resolve("script.jsonl"), lines, StandardCharsets.UTF_8);
        launch();
        runner.send(init(Message.PROTOCOL_VERSION, script, Budget.UNLIMITED, 30));
        assertThat(next()).isInstanceOf(Message.Ready.class);
        assertThat(next()).isEqualTo(new Message.IterationStart(1));
        assertThat(next()).isInstanceOf(Message.IterationDone.class);

        long start = System.nanoTime();
        runner.closeStdin();

        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(next()).isEqualTo(new Message.Exit(EndReason.STOPPED, 1, null));
    }

    @Test
    void maxIterationsCompletesTheRun() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add("{\"text\": \"iteration\"}");
        }
        Path script = Files.write(tmp.resolve("script.jsonl"), lines, StandardCharsets.UTF_8);
        launch();

        runner.send(init(Message.PROTOCOL_VERSION, script, new Budget(null, null, 3), 0));

        assertThat(next()).isInstanceOf(Message.Ready.class);
        List<Message> messages = runner.untilExit();
        assertThat(messages).filteredOn(Message.IterationDone.class::isInstance).hasSize(3);
        assertThat(messages.get(messages.size() - 1)).isEqualTo(new Message.Exit(EndReason.MAX_ITERATIONS, 3, null));
    }

    @Test
    void aProtocolVersionItDoesNotSpeakIsRefusedWithProtocolMismatch() throws Exception {
        launch();

        runner.send(init(99, script("{\"text\": \"x\"}"), Budget.UNLIMITED, 0));

        assertThat(next()).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.PROTOCOL_MISMATCH);
            assertThat(e.error()).contains("99");
        });
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.process.exitValue()).isNotZero();
    }

    @Test
    void aMissingScriptIsABadConfigNamingTheFile() throws Exception {
        launch();

        runner.send(init(Message.PROTOCOL_VERSION, tmp.resolve("nope.jsonl"), Budget.UNLIMITED, 0));

        // ready once the protocol is agreed, then the configuration is found wanting
        assertThat(next()).isInstanceOf(Message.Ready.class);
        assertThat(next()).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.BAD_CONFIG);
            assertThat(e.error()).contains("nope.jsonl");
        });
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.process.exitValue()).isNotZero();
    }

    @Test
    void anInitWithAFieldMissingIsAnsweredReadyThenABadConfigNamingTheField() throws Exception {
        launch();

        runner.process.getOutputStream().write(("{\"op\":\"init\",\"protocol\":" + Message.PROTOCOL_VERSION
                + ",\"run_id\":\"r-test\",\"name\":\"test\",\"template\":{\"name\":\"t\",\"text\":\"# t\"}}\n")
                .getBytes(StandardCharsets.UTF_8));
        runner.process.getOutputStream().flush();

        // the protocol is agreed before the rest of init is decoded
        assertThat(next()).isInstanceOf(Message.Ready.class);
        assertThat(next()).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.BAD_CONFIG);
            assertThat(e.error()).contains("init").contains("config");
        });
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.process.exitValue()).isEqualTo(2);
    }

    @Test
    void anInitOfAnotherProtocolIsAMismatchEvenWhenItsFieldsAreStrangeToThisRunner() throws Exception {
        launch();

        runner.process.getOutputStream().write("{\"op\":\"init\",\"protocol\":2,\"shape\":\"of the future\"}\n"
                .getBytes(StandardCharsets.UTF_8));
        runner.process.getOutputStream().flush();

        assertThat(next()).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.PROTOCOL_MISMATCH);
            assertThat(e.error()).contains("speaks protocol 1").contains("sent 2");
        });
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.process.exitValue()).isEqualTo(3);
    }

    @Test
    void garbageInsteadOfInitIsABadConfig() throws Exception {
        launch();

        runner.process.getOutputStream().write("hello runner\n".getBytes(StandardCharsets.UTF_8));
        runner.process.getOutputStream().flush();

        assertThat(next()).isInstanceOfSatisfying(Message.Exit.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.BAD_CONFIG);
            assertThat(e.error()).contains("not a valid init");
        });
        assertThat(runner.waitFor(Duration.ofSeconds(5))).isTrue();
    }
}
