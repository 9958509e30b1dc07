package dev.ccd.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TaskOptions;
import dev.ccd.protocol.TaskStatus;
import dev.ccd.protocol.TemplateSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A background task that prints far more than anyone should keep, in a real runner JVM. */
class LoudTaskJvmTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    RunnerHarness runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void aTaskPrinting200MiBLeavesACappedLogAndAFlatRunnerHeap() throws Exception {
        String line = "0123456789".repeat(9) + "abcdefg"; // 97 characters and a newline
        Path script = Files.write(tmp.resolve("script.jsonl"), List.of(
                "{\"text\": \"\", \"tool_calls\": [{\"name\": \"background_run\", \"input\": {\"command\": \"yes " + line
                        + " | head -c " + 200 * MIB + "\"}}]}",
                "{\"text\": \"waiting for the loud task\"}",
                "{\"text\": \"the loud task is done\"}"), StandardCharsets.UTF_8);
        Path work = Files.createDirectories(tmp.resolve("work"));
        long cap = 4 * MIB;
        // a heap of 32 MiB could never hold the output: buffering it would end the runner;
        // a 60 s interval keeps the next iteration out of the measurement
        runner = RunnerHarness.launch(tmp, Map.of(), List.of("-XX:+UseSerialGC", "-Xmx32m"));
        runner.send(new Message.Init(Message.PROTOCOL_VERSION, "r-loud", "loud", new TemplateSpec("t", "# t"), null,
                new RunConfig("scripted", null, null, script.toString(), work.toString(), tmp.resolve("run").toString(), 60,
                        false, null, new Budget(null, null, 3), null, null, null, null, null,
                        new TaskOptions(null, null, cap), null)));

        Message.TaskDone done = null;
        while (done == null) {
            Message m = runner.next();
            assertThat(m).isNotInstanceOf(Message.Exit.class);
            if (m instanceof Message.TaskDone d) {
                done = d;
            }
        }

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.exitCode()).isZero();
        Path log = tmp.resolve("run/tasks/t1.log");
        assertThat(Files.size(log)).isBetween(cap, cap + 200);
        assertThat(Files.readString(log.resolveSibling("t1.log"), StandardCharsets.ISO_8859_1))
                .startsWith(line + "\n").endsWith("[ccd: output truncated at " + cap + " bytes; the task keeps running]\n");
        long liveKib = JvmProbe.liveHeapKib(runner.process.pid());
        assertThat(liveKib).as("live heap after 200 MiB of task output, KiB").isLessThan(16 * 1024);

        runner.send(new Message.Stop("test done"));
        assertThat(runner.waitFor(Duration.ofSeconds(10))).isTrue();
    }
}
