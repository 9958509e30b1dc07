package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.protocol.ProcessTree;
import dev.ccd.protocol.ReadResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One runner JVM: its process, the pipe to it, the thread that reads it, and its stop ladder.
 *
 * <p>Threading: the reader thread owns the {@link MessageReader} and delivers every outcome to
 * the listener, in order. {@link #send} may be called from any thread. {@link #ended} completes
 * once, when the supervisor has recorded the end of the run. Fields written by one thread and
 * read by others are volatile, each with its reason.
 */
final class RunnerProcess {
    private static final Logger log = LoggerFactory.getLogger(RunnerProcess.class);

    /** How the run's process ended, for the record. */
    enum EndedBy { EXIT_MESSAGE, SIGTERM, SIGKILL, ITSELF }

    final String runId;
    final RunSpec spec;
    final int restartCount;
    final Path stderrLog;
    /** When the process was spawned (just before the fork), for the ready time. */
    final long spawnNanos;
    /** When the ready message was read; set by the reader thread before {@link #ready} completes. */
    volatile long readyNanos;
    final CompletableFuture<Message.Ready> ready = new CompletableFuture<>();
    final CompletableFuture<Void> readerDone = new CompletableFuture<>();
    final CompletableFuture<RunRow> ended = new CompletableFuture<>();
    /** Completed when the first iteration starts (the runner took its config) or the run ends. */
    final CompletableFuture<Void> underway = new CompletableFuture<>();

    private final Process process;
    private final MessageWriter stdin;
    private final MessageReader stdout;
    /** Processes seen in the run's tree since a stop began: signalled even once orphaned. */
    private final Set<ProcessHandle> treeSeen = new LinkedHashSet<>();

    /** Set by the reader thread when the runner says goodbye; read by whoever records the end. */
    volatile Message.Exit exitMessage;
    /** Set by the thread that asks the run to stop; read by the reader and the recorder. */
    volatile String stopReason;
    /** The run's limits: from its config, then each resume's; written by control threads. */
    volatile dev.ccd.protocol.Budget budget;
    /** The budget pause in force, or null; written by the reader thread, read by control threads. */
    volatile Message.PausedBudget paused;
    /** False once the run's end is being recorded: later lines are dropped, not recorded. */
    volatile boolean recording = true;
    /** Why the supervisor killed the runner (a failed handshake); read by the recorder. */
    volatile String killedBecause;
    /** Set by the ladder's timer thread; read by the recorder. */
    volatile EndedBy endedBy = EndedBy.ITSELF;

    RunnerProcess(String runId, RunSpec spec, int restartCount, Path stderrLog, Process process, long spawnNanos) {
        this.runId = runId;
        this.spawnNanos = spawnNanos;
        this.spec = spec;
        this.restartCount = restartCount;
        this.stderrLog = stderrLog;
        this.process = process;
        this.stdin = new MessageWriter(process.getOutputStream());
        this.stdout = new MessageReader(process.getInputStream());
        this.budget = spec.config().budget() == null ? dev.ccd.protocol.Budget.UNLIMITED : spec.config().budget();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    int exitCode() {
        return process.exitValue();
    }

    long protocolErrors() {
        return stdout.protocolErrors();
    }

    /** Starts the reader thread; every outcome goes to {@code listener} on that thread. */
    void startReading(BiConsumer<RunnerProcess, ReadResult> listener) {
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    ReadResult result = stdout.read();
                    listener.accept(this, result);
                    if (result instanceof ReadResult.EndOfStream) {
                        return;
                    }
                }
            } catch (IOException e) {
                log.debug("{} - runner stdout failed: {}", runId, e.getMessage());
            } catch (RuntimeException e) {
                log.error("{} - reader failed", runId, e);
            } finally {
                readerDone.complete(null);
            }
        }, "runner-reader-" + runId);
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends a message; false when the runner's stdin is already closed. */
    boolean send(Message message) {
        try {
            stdin.send(message);
            return true;
        } catch (IOException e) {
            log.debug("{} - cannot send {}: {}", runId, message.getClass().getSimpleName(), e.getMessage());
            return false;
        }
    }

    /** Closing stdin is part of every stop: a runner blocked reading it sees the end at once. */
    void closeStdin() {
        try {
            stdin.close();
        } catch (IOException e) {
            log.debug("{} - closing stdin: {}", runId, e.getMessage());
        }
    }

    /**
     * The stop ladder of PROTOCOL.md: stop message and stdin closed now, SIGTERM to the tree at
     * {@code termAfter}, SIGKILL at {@code killAfter}. Steps after the process is gone do nothing.
     */
    void stopLadder(String reason, Duration termAfter, Duration killAfter) {
        stopReason = reason;
        remember();
        send(new Message.Stop(reason));
        closeStdin();
        CompletableFuture.delayedExecutor(termAfter.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (process.isAlive()) {
                endedBy = EndedBy.SIGTERM;
                log.warn("{} - no exit {} ms after stop: SIGTERM to its process tree", runId, termAfter.toMillis());
                signalTree(false);
            }
        });
        CompletableFuture.delayedExecutor(killAfter.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (process.isAlive()) {
                endedBy = EndedBy.SIGKILL;
                log.warn("{} - still alive {} ms after stop: SIGKILL to its process tree", runId, killAfter.toMillis());
                signalTree(true);
            }
        });
    }

    /** Kills whatever is left of the run's processes: after a crash, or at daemon shutdown. */
    void killLeftovers() {
        remember();
        signalTree(true);
    }

    private synchronized void remember() {
        if (process.isAlive()) {
            treeSeen.addAll(ProcessTree.snapshot(process.toHandle()));
        }
    }

    private synchronized void signalTree(boolean kill) {
        remember();
        for (ProcessHandle p : treeSeen) {
            if (kill) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
        }
        if (ProcessGroup.available()) {
            ProcessGroup.signal(process.pid(), kill ? "KILL" : "TERM");
        }
    }
}
