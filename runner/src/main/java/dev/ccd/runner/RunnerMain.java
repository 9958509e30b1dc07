package dev.ccd.runner;

import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.process.Launcher;
import dev.ccd.protocol.Excerpt;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.protocol.ReadResult;
import dev.ccd.protocol.RunConfig;
import dev.ccd.runner.agent.AgentLoop;
import dev.ccd.runner.agent.Resumption;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.ScriptedProvider;
import dev.ccd.runner.provider.Transcript;
import dev.ccd.protocol.TaskOptions;
import dev.ccd.runner.tasks.TaskListener;
import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskSettings;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tools.TaskTools;
import dev.ccd.runner.tools.ToolContext;
import dev.ccd.runner.tools.Tools;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner process: one agent run. Speaks the protocol of {@code PROTOCOL.md} on stdin and
 * stdout; logs go to stderr. Lifecycle: read {@code init} (5 s), answer {@code ready}, run the
 * agent loop on the main thread while a second thread reads stdin ({@code stop}, answers, end of
 * stream) and answers {@code ping} at once, send {@code exit}, exit.
 *
 * <p>Exit codes: 0 the run ended normally (stopped, completed), 1 it failed, 2 no usable init,
 * 3 protocol mismatch.
 */
public final class RunnerMain {

    static final long INIT_TIMEOUT_MS = 5_000;
    /** Tasks get this long between SIGTERM and SIGKILL when the run ends: the runner has ~1 s to exit. */
    static final Duration TASK_STOP_GRACE = Duration.ofMillis(300);

    /** What a run is made of once its init checked out. */
    private record Run(AgentLoop loop, TaskManager tasks) {
    }

    private RunnerMain() {
    }

    public static void main(String[] args) {
        // stdout is the protocol channel: nothing else may ever write to it.
        MessageWriter writer = new MessageWriter(new FileOutputStream(FileDescriptor.out));
        System.setOut(System.err);
        RunnerLink link = new RunnerLink(writer);
        MessageReader reader = new MessageReader(new FileInputStream(FileDescriptor.in));
        // Jackson databind (the runner's JSON: tools, transcript, messages) and logging each take
        // tens of milliseconds to start: on the other core, while the handshake and init go on.
        Thread warmUp = new Thread(RunnerMain::warmUp, "warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        System.exit(run(reader, link));
    }

    static int run(MessageReader reader, RunnerLink link) {
        CompletableFuture<Integer> protocol = new CompletableFuture<>();
        CompletableFuture<Message.Init> init = new CompletableFuture<>();
        StdinReader stdin = new StdinReader(reader, link, protocol, init);
        Thread stdinThread = new Thread(stdin, "stdin-reader");
        stdinThread.setDaemon(true);
        stdinThread.start();

        int asked;
        try {
            asked = protocol.get(INIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log().error("no init within {} ms", INIT_TIMEOUT_MS);
            return 2;
        } catch (ExecutionException | InterruptedException e) {
            return badInit(link, e);
        }
        if (asked != Message.PROTOCOL_VERSION) {
            link.send(new Message.Exit(EndReason.PROTOCOL_MISMATCH, 0, "runner speaks protocol "
                    + Message.PROTOCOL_VERSION + ", daemon sent " + asked));
            return 3;
        }
        // Ready as soon as the protocol is agreed, before the rest of init is decoded: what can
        // still fail (a field the daemon got wrong, a provider's key, an unreadable script) ends
        // the run bad_config with the reason, just after the handshake instead of before it.
        link.send(new Message.Ready(Message.PROTOCOL_VERSION, ProcessHandle.current().pid()));
        Message.Init start;
        try {
            start = init.get(INIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return badInit(link, new TimeoutException("init was not decoded within " + INIT_TIMEOUT_MS + " ms"));
        } catch (ExecutionException | InterruptedException e) {
            return badInit(link, e);
        }
        Run run;
        try {
            run = prepare(start, link);
        } catch (IOException | IllegalArgumentException e) {
            log().error("{} - bad configuration: {}", start.runId(), e.getMessage());
            link.send(new Message.Exit(EndReason.BAD_CONFIG, 0, e.getMessage()));
            return 1;
        }
        stdin.attach(run.loop());
        Message.Exit exit;
        try {
            exit = run.loop().run();
        } finally {
            // No process of the run may outlive it: tasks go before the exit message does.
            run.tasks().stopAll(TASK_STOP_GRACE);
        }
        log().info("{} - exit {} after {} iterations", start.runId(), exit.reason(), exit.iterations());
        link.send(exit);
        return exit.reason() == EndReason.FAILED ? 1 : 0;
    }

    private static int badInit(RunnerLink link, Exception e) {
        String why = e.getCause() != null ? e.getCause().getMessage()
                : e.getMessage() != null ? e.getMessage() : e.toString();
        log().error("no usable init: {}", why);
        link.send(new Message.Exit(EndReason.BAD_CONFIG, 0, why));
        return 2;
    }

    private static Run prepare(Message.Init init, RunnerLink link) throws IOException {
        RunConfig config = init.config();
        Path workdir = Path.of(config.workdir());
        if (!Files.isDirectory(workdir)) {
            throw new IOException("workdir " + workdir + " is not a directory");
        }
        Transcript transcript = config.runDir().isBlank()
                ? Transcript.NONE
                : new TranscriptFile(Path.of(config.runDir(), "transcript.jsonl"));
        LlmProvider provider = Providers.create(config, System.getenv(), transcript, init.runId());
        long restoreNanos = System.nanoTime();
        Resumption resumption = init.resume() == null ? null : Resumption.load(init.resume());
        restoreNanos = System.nanoTime() - restoreNanos;
        Path realWorkdir = workdir.toRealPath();
        Launcher launcher = Sandboxes.forRun(config.sandboxOptions(), realWorkdir, config.runDir(), System.getenv());
        if (!config.sandboxOptions().sandboxed()) {
            log().warn("{} - the sandbox is off: tool processes run unconfined, as this runner does", init.runId());
        }
        ToolContext defaults = ToolContext.defaults(realWorkdir);
        ToolContext context = new ToolContext(realWorkdir, defaults.maxOutputChars(), defaults.defaultTimeout(),
                defaults.maxTimeout(), launcher);
        Path tasksDir = config.runDir().isBlank()
                ? Files.createTempDirectory("ccd-tasks-")
                : Path.of(config.runDir(), "tasks");
        AgentLoop[] loop = new AgentLoop[1];
        TaskManager tasks = new TaskManager(launcher, realWorkdir, tasksDir, taskSettings(config.taskOptions()),
                new TaskListener() {
                    @Override
                    public void started(TaskSnapshot task) {
                        // a command of any size must not make its task_started too large to send
                        link.send(new Message.TaskStarted(task.id(), Excerpt.abbreviate(task.command(), 16_000)));
                        loop[0].taskStarted(task);
                    }

                    @Override
                    public void finished(TaskSnapshot task) {
                        link.send(new Message.TaskDone(task.id(), task.status(), task.exitCode(),
                                task.duration().toMillis() / 1000.0));
                    }
                });
        // A SIGTERM from the daemon's stop ladder must not orphan the tasks either.
        Runtime.getRuntime().addShutdownHook(new Thread(tasks::close, "stop-tasks"));
        if (resumption != null) {
            tasks.continueAfter(resumption.lastTaskId());
            if (provider instanceof ScriptedProvider script) {
                script.skip(resumption.modelCalls());
            }
            log().info("{} - resumed ({}): {} in {} ms; next iteration {}", init.runId(), init.resume().how(),
                    resumption.restored(), restoreNanos / 1_000_000, resumption.nextIteration());
            link.send(new Message.Notify("resumed after the run was " + init.resume().how() + ": "
                    + resumption.restored() + "; the next iteration is " + resumption.nextIteration()));
            if (transcript instanceof TranscriptFile file) {
                file.resumed(init.resume().how(), resumption.nextIteration(), resumption.note());
            }
        }
        loop[0] = new AgentLoop(init, provider, Tools.withBuiltIns(TaskTools.all(tasks)), context, link, tasks,
                resumption);
        return new Run(loop[0], tasks);
    }

    private static TaskSettings taskSettings(TaskOptions options) {
        TaskSettings settings = TaskSettings.defaults();
        if (options == null) {
            return settings;
        }
        Duration timeout = options.defaultTimeoutS() == null ? settings.defaultTimeout()
                : Duration.ofMillis(Math.round(options.defaultTimeoutS() * 1000));
        return new TaskSettings(timeout, timeout.compareTo(settings.maxTimeout()) > 0 ? timeout : settings.maxTimeout(),
                options.outputCapBytes() == null ? settings.outputCapBytes() : options.outputCapBytes(),
                settings.tailLines(), settings.maxRunning());
    }

    /**
     * The mapper, the encoders of the first iteration's messages, logging, then the decoder of
     * what the daemon sends after init (its first use would otherwise slow the first stop).
     */
    private static void warmUp() {
        MessageCodec.encode(new Message.IterationStart(1));
        MessageCodec.encode(new Message.IterationDone(1, IterationStatus.OK, 0, "", 0, 0, 0));
        log();
        MessageCodec.decode("{\"op\":\"stop\",\"reason\":\"warm-up\"}");
        // the first ping comes within seconds; its answer must not wait for a decoder to be built
        MessageCodec.decode("{\"op\":\"ping\",\"seq\":0}");
        MessageCodec.encode(new Message.Pong(0L));
    }

    private static Logger log() {
        // Looked up lazily: logging starts up in ~100 ms, which must not delay "ready".
        return LoggerFactory.getLogger(RunnerMain.class);
    }

    /**
     * Reads stdin on its own thread: the first message must be init; later ones are stop and
     * answers. End of stream is a stop: the daemon is gone and the run must not outlive it.
     */
    private static final class StdinReader implements Runnable {
        private final MessageReader reader;
        /** Pongs are sent from this thread, so a busy agent loop cannot delay them. */
        private final RunnerLink link;
        /** The protocol the init asks for: known before the rest of the init is decoded. */
        private final CompletableFuture<Integer> protocol;
        private final CompletableFuture<Message.Init> init;
        /** Set by the main thread once the loop exists; a stop before that is remembered. */
        private volatile AgentLoop loop;
        private volatile String pendingStop;

        StdinReader(MessageReader reader, RunnerLink link, CompletableFuture<Integer> protocol,
                CompletableFuture<Message.Init> init) {
            this.reader = reader;
            this.link = link;
            this.protocol = protocol;
            this.init = init;
        }

        void attach(AgentLoop agentLoop) {
            loop = agentLoop;
            if (pendingStop != null) {
                agentLoop.requestStop(pendingStop);
            }
        }

        @Override
        public void run() {
            try {
                while (true) {
                    ReadResult result = init.isDone() ? reader.read() : reader.readInit(protocol::complete);
                    if (result instanceof ReadResult.EndOfStream) {
                        stop("stdin closed");
                        failInit(new IOException("stdin closed before init"));
                        return;
                    }
                    if (result instanceof ReadResult.Received received) {
                        handle(received.message());
                    } else if (!init.isDone()) {
                        failInit(new IOException("first message is not a valid init: " + result.describe()));
                    } else {
                        log().warn("protocol error from daemon: {}", result.describe());
                    }
                }
            } catch (IOException e) {
                stop("stdin failed: " + e.getMessage());
                failInit(e);
            }
        }

        /** No usable init: whoever waits for its protocol or for the whole of it hears why. */
        private void failInit(IOException why) {
            protocol.completeExceptionally(why);
            init.completeExceptionally(why);
        }

        private void handle(Message message) {
            if (message instanceof Message.Init i) {
                protocol.complete(i.protocol());
                if (!init.complete(i)) {
                    log().warn("second init ignored");
                }
            } else if (!init.isDone()) {
                failInit(new IOException("first message is " + message.getClass().getSimpleName() + ", expected init"));
            } else if (message instanceof Message.Ping ping) {
                link.send(new Message.Pong(ping.seq()));
            } else if (message instanceof Message.Stop s) {
                stop(s.reason() == null ? "stop" : s.reason());
            } else if (message instanceof Message.PermissionResponse response && loop != null) {
                loop.onPermissionResponse(response);
            } else if (message instanceof Message.Resume resume && loop != null) {
                loop.onResume(resume);
            } else {
                log().info("ignoring {}", message.getClass().getSimpleName());
            }
        }

        private void stop(String reason) {
            AgentLoop current = loop;
            if (current != null) {
                current.requestStop(reason);
            } else {
                pendingStop = reason;
                AgentLoop late = loop;
                if (late != null) {
                    late.requestStop(reason);
                }
            }
        }
    }
}
