package dev.ccd.runner.tasks;

import dev.ccd.process.Launcher;
import dev.ccd.process.LocalLauncher;
import dev.ccd.protocol.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's background tasks (docs/ARCHITECTURE.md §6): starts them, reports on them, stops them, and
 * queues a notice for each one that ends, to be given to the model before its next call.
 *
 * <p>Threads: the agent loop (tool calls, draining notices, waiting for one) and the run's stop
 * path ({@link #close}, possibly from a shutdown hook) call in from any thread. Each task has a
 * watcher thread that ends it and a pump thread that writes its log ({@link Task}). {@code lock}
 * guards the task map, the id counter and {@code closed}; a task's own state is guarded by the
 * task. Lock order: manager, then task, then the notice queue; never the other way.
 *
 * <p>Invariants: tasks are never removed, so an id once returned stays valid for the run. Every
 * task that ends is queued in {@link Notices} exactly once, and {@link #drainFinished} hands each
 * notice out exactly once. Once {@link #close} has begun, no task starts; once it has returned,
 * every process of every task's tree is gone (or a warning names the survivors). Processes a task
 * left in the background when its shell exited normally are outside its tree (see {@link
 * dev.ccd.process.ProcessTree}) and are not stopped.
 */
public final class TaskManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskManager.class);
    /** Characters of log {@link #output} returns at most. */
    public static final int OUTPUT_CHARS = 25_000;
    /** Time a stopped tree gets between SIGTERM and SIGKILL. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(2);

    private final Launcher launcher;
    private final Path workdir;
    private final Path tasksDir;
    private final TaskSettings settings;
    private final TaskListener listener;
    private final Notices notices = new Notices();
    private final Object lock = new Object();
    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private int lastId;
    private boolean closed;

    /** Tasks forked on this machine. */
    public TaskManager(Path workdir, Path tasksDir, TaskSettings settings, TaskListener listener) {
        this(LocalLauncher.instance(), workdir, tasksDir, settings, listener);
    }

    /** Tasks started by {@code launcher}. */
    public TaskManager(Launcher launcher, Path workdir, Path tasksDir, TaskSettings settings, TaskListener listener) {
        if (launcher == null || workdir == null || tasksDir == null || settings == null || listener == null) {
            throw new IllegalArgumentException("launcher, workdir, tasksDir, settings and listener are required");
        }
        this.launcher = launcher;
        this.workdir = workdir;
        this.tasksDir = tasksDir;
        this.settings = settings;
        this.listener = listener;
    }

    /**
     * Numbers new tasks after {@code lastUsed}: a run that goes on from a checkpoint keeps its
     * earlier tasks' ids (and their logs) out of reach of its new ones.
     */
    public void continueAfter(int lastUsed) {
        synchronized (lock) {
            lastId = Math.max(lastId, lastUsed);
        }
    }

    /** The last {@code maxChars} characters of a task's log (see {@link LogEnd}). */
    public static String logEnd(Path log, int maxChars) throws IOException {
        return LogEnd.read(log, maxChars);
    }

    public TaskSettings settings() {
        return settings;
    }

    /**
     * Starts {@code bash -c command} in the workdir and returns at once.
     *
     * @param timeout null for {@link TaskSettings#defaultTimeout()}
     * @throws IllegalArgumentException a blank command, or a timeout not in (0, maxTimeout]
     * @throws TaskRejectedException    {@code maxRunning} tasks are running, or the run is ending
     * @throws IOException              the log could not be created or bash not started
     */
    public TaskSnapshot start(String command, Duration timeout) throws IOException {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("command must not be blank");
        }
        Duration limit = timeout == null ? settings.defaultTimeout() : timeout;
        if (limit.isNegative() || limit.isZero() || limit.compareTo(settings.maxTimeout()) > 0) {
            throw new IllegalArgumentException("timeout must be > 0 and <= " + settings.maxTimeout() + ", got " + limit);
        }
        Files.createDirectories(tasksDir);
        Task task;
        synchronized (lock) {
            if (closed) {
                throw new TaskRejectedException("the run is ending; no new background tasks can start");
            }
            int running = running();
            if (running >= settings.maxRunning()) {
                throw new TaskRejectedException(running + " background tasks are running, the most allowed; "
                        + "wait for one to finish or stop one with background_stop");
            }
            String id = "t" + (lastId + 1);
            task = Task.launch(launcher, id, command, limit, workdir, tasksDir.resolve(id + ".log"), settings, notices, listener);
            lastId++;
            tasks.put(id, task);
        }
        TaskSnapshot started = task.snapshot();
        log.info("task {} - started: {}", started.id(), TaskText.command(command));
        try {
            listener.started(started);
        } catch (RuntimeException e) {
            log.warn("task {} - the listener failed on its start", started.id(), e);
        }
        task.begin();
        return started;
    }

    /** Every task of the run, in the order started. */
    public List<TaskSnapshot> list() {
        return tasks().stream().map(Task::snapshot).toList();
    }

    public Optional<TaskSnapshot> get(String id) {
        synchronized (lock) {
            return Optional.ofNullable(tasks.get(id)).map(Task::snapshot);
        }
    }

    /** How many tasks are running now. */
    public int running() {
        return (int) tasks().stream().filter(Task::running).count();
    }

    /**
     * The task's output so far: the end of its log, at most {@value #OUTPUT_CHARS} characters. With
     * {@code block}, first waits until the task ends or {@code timeout} has passed.
     *
     * @throws NoSuchElementException no task has this id
     */
    public TaskOutput output(String id, boolean block, Duration timeout) throws InterruptedException {
        Task task = require(id);
        boolean ended = block ? task.awaitEnd(timeout) : !task.running();
        TaskSnapshot now = task.snapshot();
        boolean finished = !now.running();
        String text;
        try {
            text = LogEnd.read(task.log(), OUTPUT_CHARS);
        } catch (IOException e) {
            text = "[ccd: cannot read the log " + task.log() + ": " + e.getMessage() + "]";
        }
        if (task.outputTruncated()) {
            text += "\n[ccd: the latest output, past the cap:]\n" + task.tail(settings.tailLines());
        }
        return new TaskOutput(now, text, finished, block && !ended && !finished);
    }

    /**
     * Ends the task's whole process tree: SIGTERM, then SIGKILL after {@link #STOP_GRACE} (at once
     * with {@code force}), and waits (bounded) until every process of it is gone. A task that had
     * already ended is left as it was.
     *
     * @throws NoSuchElementException no task has this id
     * @throws InterruptedException   the caller was interrupted; the tree was SIGKILLed first
     */
    public StopResult stop(String id, boolean force) throws InterruptedException {
        Task task = require(id);
        if (!task.requestEnd(TaskStatus.STOPPED)) {
            task.awaitEnd(Task.DRAIN_GRACE.plusSeconds(1));
            return new StopResult(task.snapshot(), true, 0, List.of());
        }
        Duration grace = force ? Duration.ZERO : STOP_GRACE;
        task.terminate(grace);
        List<Long> survivors;
        try {
            survivors = task.awaitGone(grace.plus(Task.CONFIRM_WAIT));
        } catch (InterruptedException e) {
            task.killNow();
            throw e;
        }
        if (!survivors.isEmpty()) {
            log.warn("task {} - processes {} survived the stop", id, survivors);
        }
        task.awaitEnd(Task.DRAIN_GRACE.plusSeconds(1));
        return new StopResult(task.snapshot(), false, task.processesSeen(), survivors);
    }

    /**
     * Stops every running task's tree at once (SIGTERM, SIGKILL after {@code grace}) and waits,
     * bounded, until all are gone and each task has ended. An interrupt skips the grace (SIGKILL
     * at once) but not the wait, and is restored on return.
     */
    public void stopAll(Duration grace) {
        List<Task> toStop = tasks().stream().filter(task -> task.requestEnd(TaskStatus.STOPPED)).toList();
        if (toStop.isEmpty()) {
            awaitEnding(tasks());
            return;
        }
        log.info("stopping {} background tasks", toStop.size());
        boolean interrupted = Thread.interrupted();
        Duration wait = interrupted ? Duration.ZERO : grace;
        toStop.forEach(task -> task.terminate(wait));
        long gone = System.nanoTime() + wait.plus(Task.CONFIRM_WAIT).toNanos();
        List<Long> survivors = new ArrayList<>();
        for (Task task : toStop) {
            try {
                survivors.addAll(task.awaitGone(Duration.ofNanos(Math.max(0, gone - System.nanoTime()))));
            } catch (InterruptedException e) {
                // skip the grace, not the wait
                interrupted = true;
                toStop.forEach(Task::killNow);
            }
        }
        if (!survivors.isEmpty()) {
            log.warn("processes {} of background tasks survived being stopped", survivors);
        }
        try {
            long deadline = System.nanoTime() + Task.DRAIN_GRACE.plusSeconds(1).toNanos();
            // every task, also those that exited by themselves and are still being wound up
            for (Task task : tasks()) {
                task.awaitEnd(Duration.ofNanos(deadline - System.nanoTime()));
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (bounded) for tasks that exited by themselves to be wound up and reported. */
    private static void awaitEnding(List<Task> all) {
        long deadline = System.nanoTime() + Task.DRAIN_GRACE.plusSeconds(1).toNanos();
        try {
            for (Task task : all) {
                task.awaitEnd(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Refuses new tasks, then {@link #stopAll} with {@link #STOP_GRACE}. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        stopAll(STOP_GRACE);
    }

    /** Takes every pending completion notice, oldest first; each is handed out once. */
    public List<TaskSnapshot> drainFinished() {
        return notices.drain();
    }

    public boolean hasFinishedPending() {
        return notices.any();
    }

    /**
     * Blocks until a completion notice is pending or {@code max} has passed.
     *
     * @return whether a notice is pending
     * @throws InterruptedException the run is stopping
     */
    public boolean awaitFinished(Duration max) throws InterruptedException {
        return notices.await(max);
    }

    /** The text given to the model for these finished tasks; see {@link TaskText#describeNotices}. */
    public static String describeNotices(List<TaskSnapshot> finished) {
        return TaskText.describeNotices(finished);
    }

    private List<Task> tasks() {
        synchronized (lock) {
            return new ArrayList<>(tasks.values());
        }
    }

    private Task require(String id) {
        synchronized (lock) {
            Task task = tasks.get(id);
            if (task == null) {
                throw new NoSuchElementException("unknown task '" + id + "'; known tasks: "
                        + (tasks.isEmpty() ? "none" : String.join(", ", tasks.keySet())));
            }
            return task;
        }
    }
}
