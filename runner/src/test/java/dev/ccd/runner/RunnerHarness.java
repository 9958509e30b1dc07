package dev.ccd.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.process.ProcessTree;
import dev.ccd.protocol.ReadResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real runner JVM as the daemon sees it: messages in on its stdin, messages out of its
 * stdout (read on a thread into a queue), stderr to a file. {@link #close} kills its whole tree.
 */
public final class RunnerHarness implements AutoCloseable {
    public final Process process;
    private final MessageWriter toRunner;
    private final BlockingQueue<ReadResult> fromRunner = new LinkedBlockingQueue<>();

    private RunnerHarness(Process process) {
        this.process = process;
        this.toRunner = new MessageWriter(process.getOutputStream());
        MessageReader reader = new MessageReader(process.getInputStream());
        Thread t = new Thread(() -> {
            try {
                ReadResult r;
                do {
                    r = reader.read();
                    fromRunner.add(r);
                } while (!(r instanceof ReadResult.EndOfStream));
            } catch (IOException e) {
                fromRunner.add(new ReadResult.EndOfStream(0));
            }
        }, "harness-reader");
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code RunnerMain} from this JVM's classpath in {@code dir}, with extra environment. */
    public static RunnerHarness launch(Path dir, Map<String, String> env) throws IOException {
        return launch(dir, env, List.of("-XX:+UseSerialGC"));
    }

    /** As {@link #launch(Path, Map)}, with these JVM flags (the warnings-to-stderr ones are added). */
    public static RunnerHarness launch(Path dir, Map<String, String> env, List<String> jvmFlags) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-Xlog:disable", "-Xlog:all=warning:stderr", "-cp", System.getProperty("java.class.path"),
                RunnerMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()));
        builder.environment().remove("ANTHROPIC_API_KEY");
        builder.environment().remove("OPENAI_API_KEY");
        builder.environment().putAll(env);
        return new RunnerHarness(builder.start());
    }

    public void send(Message message) throws IOException {
        toRunner.send(message);
    }

    public void closeStdin() throws IOException {
        toRunner.close();
    }

    /** The next outcome the runner wrote; fails after 10 s of silence. */
    public ReadResult nextResult() throws InterruptedException {
        ReadResult r = fromRunner.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("a line from the runner within 10 s").isNotNull();
        return r;
    }

    public Message next() throws InterruptedException {
        ReadResult r = nextResult();
        assertThat(r).as("a message from the runner").isInstanceOf(ReadResult.Received.class);
        return ((ReadResult.Received) r).message();
    }

    /** Every message up to and including {@code exit}. */
    public List<Message> untilExit() throws InterruptedException {
        List<Message> messages = new ArrayList<>();
        Message m;
        do {
            m = next();
            messages.add(m);
        } while (!(m instanceof Message.Exit));
        return messages;
    }

    public boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            ProcessTree.killAndAwait(process.toHandle(), Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
