package dev.ccd.runner.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.process.BubblewrapLauncher;
import dev.ccd.process.Launcher;
import dev.ccd.process.LocalLauncher;
import dev.ccd.runner.tasks.TaskListener;
import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskSettings;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tools.Tool;
import dev.ccd.runner.tools.ToolContext;
import dev.ccd.runner.tools.ToolResult;
import dev.ccd.runner.tools.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What the sandbox adds to a tool call: {@code bash} running {@code true}, and a {@code
 * background_run} start (to the task's id returned), each through the sandbox and without it.
 * Calls alternate between the two, so that a drift of the machine's speed hits both alike.
 */
public final class SandboxBenchmark {
    private static final int CALLS = 200;
    private static final int WARM_UP = 20;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("ccd-sandbox-bench-");
        Path work = Files.createDirectories(dir.resolve("work")).toRealPath();
        Path bwrap = BubblewrapLauncher.find(System.getenv());
        if (bwrap == null) {
            throw new IllegalStateException("bwrap is not on PATH: apt-get install bubblewrap");
        }
        Launcher plain = LocalLauncher.instance();
        Launcher sandboxed = new BubblewrapLauncher(bwrap, new BubblewrapLauncher.Policy(work, List.of(), List.of(),
                List.of(dir.resolve("home")), true, List.of()), System.getenv());
        try {
            bash(work, plain, sandboxed);
            background(dir, work, plain, sandboxed);
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void bash(Path work, Launcher plain, Launcher sandboxed) throws Exception {
        Tool bash = Tools.builtIn().stream().filter(t -> t.name().equals("bash")).findFirst().orElseThrow();
        ObjectNode input = JsonNodeFactory.instance.objectNode().put("command", "true");
        ToolContext unconfined = context(work, plain);
        ToolContext confined = context(work, sandboxed);
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < WARM_UP + CALLS; i++) {
            double without = time(() -> check(bash.run(input, unconfined)));
            double with = time(() -> check(bash.run(input, confined)));
            if (i >= WARM_UP) {
                a.add(without);
                b.add(with);
            }
        }
        report("bash 'true'", a, b);
    }

    private static void background(Path dir, Path work, Launcher plain, Launcher sandboxed) throws Exception {
        TaskSettings settings = TaskSettings.defaults();
        try (TaskManager unconfined = new TaskManager(plain, work, dir.resolve("tasks-a"), settings, TaskListener.NONE);
                TaskManager confined = new TaskManager(sandboxed, work, dir.resolve("tasks-b"), settings,
                        TaskListener.NONE)) {
            List<Double> a = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            for (int i = 0; i < WARM_UP + CALLS; i++) {
                double without = time(() -> finish(unconfined, unconfined.start("true", null)));
                double with = time(() -> finish(confined, confined.start("true", null)));
                if (i >= WARM_UP) {
                    a.add(without);
                    b.add(with);
                }
            }
            report("background_run start (to its task id)", a, b);
        }
    }

    /** Waits for the task outside the timing, so that at most one runs at a time. */
    private static void finish(TaskManager tasks, TaskSnapshot task) throws Exception {
        TIMED.set(System.nanoTime());
        tasks.output(task.id(), true, Duration.ofSeconds(10));
    }

    private static final ThreadLocal<Long> TIMED = new ThreadLocal<>();

    private interface Call {
        void run() throws Exception;
    }

    /** Milliseconds from the start of the call to its end, or to where it marked {@link #TIMED}. */
    private static double time(Call call) throws Exception {
        TIMED.remove();
        long start = System.nanoTime();
        call.run();
        Long mark = TIMED.get();
        long end = mark != null ? mark : System.nanoTime();
        return (end - start) / 1e6;
    }

    private static void check(ToolResult result) {
        if (result.isError()) {
            throw new IllegalStateException("the call failed: " + result.content());
        }
    }

    private static ToolContext context(Path work, Launcher launcher) {
        ToolContext d = ToolContext.defaults(work);
        return new ToolContext(work, d.maxOutputChars(), d.defaultTimeout(), d.maxTimeout(), launcher);
    }

    private static void report(String what, List<Double> without, List<Double> with) {
        List<Double> added = new ArrayList<>();
        for (int i = 0; i < with.size(); i++) {
            added.add(with.get(i) - without.get(i));
        }
        System.out.printf(Locale.ROOT, "%-40s unsandboxed %s | sandboxed %s | added median %.2f ms (n=%d pairs)%n",
                what + ":", summary(without), summary(with), median(added), with.size());
    }

    private static String summary(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "median %.2f ms (p10 %.2f, p90 %.2f)", median(sorted),
                sorted.get(sorted.size() / 10), sorted.get(sorted.size() * 9 / 10));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
