package dev.ccd.runner.tasks;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Helpers shared by the task tests (and the background tool tests): pids, cleanup, a recording listener. */
public final class TaskTesting {
    private TaskTesting() {
    }

    /** Settings with short defaults for tests. */
    public static TaskSettings settings(long capBytes, int maxRunning) {
        return new TaskSettings(Duration.ofHours(1), Duration.ofHours(24), capBytes, 20, maxRunning);
    }

    /** Pids of the JVM's descendants now. */
    public static Set<Long> descendants() {
        try (Stream<ProcessHandle> all = ProcessHandle.current().descendants()) {
            return all.map(ProcessHandle::pid).collect(Collectors.toSet());
        }
    }

    /** The complete lines of {@code file} that are pids (a command writes them with {@code echo $! >> file}). */
    public static List<Long> pidsIn(Path file) {
        try {
            String text = Files.exists(file) ? Files.readString(file) : "";
            List<Long> pids = new ArrayList<>();
            int end = text.lastIndexOf('\n');
            for (String line : text.substring(0, end + 1).split("\n")) {
                if (line.matches("\\d+")) {
                    pids.add(Long.parseLong(line));
                }
            }
            return pids;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Every pid recorded in {@code *.pid} and {@code pids} files under {@code dir}. */
    public static List<Long> recordedPids(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".pid") || f.getFileName().toString().equals("pids"))
                    .flatMap(f -> pidsIn(f).stream())
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Closes {@code tasks}, then asserts (waiting a few seconds for init to reap orphans) that no
     * process started since {@code before} and no pid recorded under {@code workdir} is alive.
     * Whatever is left is killed, so one failing test does not leak into the next.
     */
    public static void closeAndAssertAllGone(TaskManager tasks, Set<Long> before, Path workdir) {
        tasks.close();
        List<Long> started = new ArrayList<>(recordedPids(workdir));
        descendants().stream().filter(pid -> !before.contains(pid)).forEach(started::add);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> started.stream().noneMatch(TaskTesting::alive)
                    && descendants().stream().filter(pid -> !before.contains(pid)).noneMatch(TaskTesting::alive));
        } finally {
            started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    /** Records what the manager tells its listener, in order. */
    public static final class Recorder implements TaskListener {
        public final List<String> events = new CopyOnWriteArrayList<>();
        public final List<TaskSnapshot> finished = new CopyOnWriteArrayList<>();

        @Override
        public void started(TaskSnapshot task) {
            events.add("started " + task.id());
        }

        @Override
        public void finished(TaskSnapshot task) {
            events.add("finished " + task.id() + " " + task.status());
            finished.add(task);
        }
    }
}
