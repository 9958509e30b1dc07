package dev.ccd.runner.tools;

import static dev.ccd.runner.tools.ToolTesting.alive;
import static dev.ccd.runner.tools.ToolTesting.input;
import static dev.ccd.runner.tools.ToolTesting.pidIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BashToolTest {
    /**
     * A foreground sleep that writes its own pid first (sh execs into sleep). The trailing echo
     * keeps bash from exec-ing the last command itself, so the sleep is a child, not the root.
     */
    private static final String SLEEP_WRITING_PID = "sh -c 'echo $$ > fg.pid; exec sleep 1000'; echo never";

    @TempDir
    Path dir;
    private ToolContext context;
    private final BashTool bash = new BashTool();

    @BeforeEach
    void setUp() throws IOException {
        context = ToolContext.defaults(dir.toRealPath());
    }

    /** Whatever a failing test left running, by the pids its commands recorded. */
    @AfterEach
    void killRecordedProcesses() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.toString().endsWith(".pid"))
                    .forEach(f -> pidIn(f).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly)));
        }
    }

    @Test
    void echoReturnsOutputAndExitCodeZero() throws Exception {
        ToolResult result = bash.run(input("command", "echo hello; echo oops >&2"), context);

        assertThat(result.isError()).isFalse();
        assertThat(result.content()).isEqualTo("hello\noops\nexit code: 0");
    }

    @Test
    void nonZeroExitIsAnErrorWithTheCode() throws Exception {
        ToolResult result = bash.run(input("command", "echo failing; exit 3"), context);

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).isEqualTo("failing\nexit code: 3");
    }

    @Test
    void commandRunsInTheWorkdirWithEmptyStdin() throws Exception {
        // cat would wait for input forever if stdin were an open pipe.
        ToolResult result = bash.run(input("command", "pwd; cat", "timeout_s", 10), context);

        assertThat(result.content()).isEqualTo(dir.toRealPath() + "\nexit code: 0");
    }

    @Test
    void timeoutKillsTheForegroundProcessAndSaysSo() throws Exception {
        long start = System.nanoTime();
        ToolResult result = bash.run(input("command", "echo started; " + SLEEP_WRITING_PID, "timeout_s", 1), context);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(4));
        assertThat(result.isError()).isTrue();
        // bash may get to print "Terminated" between its child's SIGTERM and its own.
        assertThat(result.content()).startsWith("started\n").endsWith("timed out after 1 s; process tree killed");
        long sleepPid = pidIn(dir.resolve("fg.pid")).orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(sleepPid));
    }

    @Test
    void timeoutKillsBackgroundAndForegroundChildren() throws Exception {
        String command = "sleep 1000 & echo $! > bg.pid; " + SLEEP_WRITING_PID;

        ToolResult result = bash.run(input("command", command, "timeout_s", 1), context);

        assertThat(result.content()).contains("timed out after 1 s; process tree killed");
        long background = pidIn(dir.resolve("bg.pid")).orElseThrow();
        long foreground = pidIn(dir.resolve("fg.pid")).orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(background) && !alive(foreground));
    }

    @Test
    void fractionalTimeoutIsHonouredAndReported() throws Exception {
        ToolResult result = bash.run(input("command", SLEEP_WRITING_PID, "timeout_s", 0.5), context);

        assertThat(result.content()).endsWith("timed out after 0.5 s; process tree killed");
    }

    @Test
    void interruptKillsTheTreeAndThrowsInterruptedException() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                bash.run(input("command", SLEEP_WRITING_PID), context);
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "bash-caller");
        caller.start();
        Path pidFile = dir.resolve("fg.pid");
        await().atMost(Duration.ofSeconds(10)).until(() -> pidIn(pidFile).isPresent());
        long sleepPid = pidIn(pidFile).getAsLong();

        caller.interrupt();
        caller.join(Duration.ofSeconds(5).toMillis());

        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(sleepPid));
    }

    @Test
    void hugeOutputIsTruncatedKeepingHeadAndTail() throws Exception {
        ToolResult result = bash.run(input("command", "yes | head -c 5000000; echo; echo last-line"), context);

        assertThat(result.isError()).isFalse();
        assertThat(result.content()).hasSizeLessThanOrEqualTo(context.maxOutputChars())
                .startsWith("y\ny\n")
                .endsWith("last-line\nexit code: 0");
        Matcher notice = Pattern.compile("\\[\\.\\.\\. (\\d+) characters omitted \\.\\.\\.]").matcher(result.content());
        assertThat(notice.find()).isTrue();
        long omitted = Long.parseLong(notice.group(1));
        long shown = result.content().length() - notice.group().length() - 2 - "exit code: 0".length();
        assertThat(omitted + shown).isEqualTo(5_000_000 + "\nlast-line\n".length());
    }

    @Test
    void backgroundProcessHoldingTheOutputDoesNotHoldTheCall() throws Exception {
        long start = System.nanoTime();
        ToolResult result = bash.run(input("command", "sleep 1000 & echo $! > bg.pid; echo done"), context);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(result.isError()).isFalse();
        // Whether the note about the held output appears depends on a race inside the JDK (its
        // reaper may close the pipe first); either way the call returns once bash has exited.
        assertThat(result.content()).startsWith("done\nexit code: 0");
        // The model asked for a background process; ending it is this test's job.
        long background = pidIn(dir.resolve("bg.pid")).orElseThrow();
        ProcessHandle.of(background).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(background));
    }

    @Test
    void timeoutOutsideTheAllowedRangeIsAnErrorNamingTheRange() throws Exception {
        for (Object timeout : List.of(0, -1, 601, 1e9)) {
            ToolResult result = bash.run(input("command", "echo never", "timeout_s", timeout), context);

            assertThat(result.isError()).isTrue();
            assertThat(result.content()).startsWith("bash: field 'timeout_s' must be > 0 and <= 600 (seconds), got ");
        }
    }

    @Test
    void missingOrMistypedCommandIsAnErrorNamingTheField() throws Exception {
        assertThat(bash.run(input(), context))
                .isEqualTo(ToolResult.error("bash: field 'command' is required (a string)"));
        assertThat(bash.run(input("command", 42), context))
                .isEqualTo(ToolResult.error("bash: field 'command' is required (a string), got 42"));
        assertThat(bash.run(input("command", "ls", "timeout_s", "5"), context))
                .isEqualTo(ToolResult.error("bash: field 'timeout_s' must be a number, got \"5\""));
        assertThat(bash.run(input("command", "ls", "timeout", 5), context))
                .isEqualTo(ToolResult.error("bash: unknown field 'timeout'; allowed: command, timeout_s"));
    }
}
