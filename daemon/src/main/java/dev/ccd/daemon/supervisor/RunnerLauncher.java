package dev.ccd.daemon.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the command line of a runner JVM. The runner's classpath is its jar plus the jars of
 * its {@code lib/} directory, listed one by one (an exact classpath, as class-data sharing
 * archives need), found under the runner directory: the system property {@code ccd.runner.dir},
 * {@code runner/target} of a source checkout.
 *
 * <p>JVM flags keep a runner small and quiet: SerialGC and a heap cap (one runner is one small
 * agent, and there may be a hundred), JVM warnings to stderr only, since stdout is the protocol.
 */
public final class RunnerLauncher {

    public static final String RUNNER_DIR_PROPERTY = "ccd.runner.dir";
    static final String MAIN_CLASS = "dev.ccd.runner.RunnerMain";

    private final Path javaExecutable;
    private final String classpath;
    private final List<String> jvmFlags;
    private final String mainClass;

    RunnerLauncher(Path javaExecutable, String classpath, List<String> jvmFlags, String mainClass) {
        this.javaExecutable = javaExecutable;
        this.classpath = classpath;
        this.jvmFlags = List.copyOf(jvmFlags);
        this.mainClass = mainClass;
    }

    /** The launcher for this installation; fails with a clear message when the runner is not built. */
    public static RunnerLauncher fromEnvironment() throws IOException {
        String dir = System.getProperty(RUNNER_DIR_PROPERTY);
        if (dir == null) {
            throw new IOException("system property " + RUNNER_DIR_PROPERTY + " is not set: start ccd with scripts/ccd");
        }
        Path runnerDir = Path.of(dir).toAbsolutePath().normalize();
        Path jar = runnerDir.resolve("ccd-runner.jar");
        Path lib = runnerDir.resolve("lib");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(lib)) {
            throw new IOException("no runner at " + runnerDir + " (expected ccd-runner.jar and lib/): build with"
                    + " 'mvn -B -DskipTests package'");
        }
        List<String> entries = new ArrayList<>();
        entries.add(jar.toString());
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new RunnerLauncher(java, String.join(":", entries), defaultFlags(), MAIN_CLASS);
    }

    static List<String> defaultFlags() {
        return List.of(
                "-XX:+UseSerialGC",
                "-Xms8m",
                "-Xmx96m",
                "-Xss512k",
                "-XX:MaxMetaspaceSize=64m",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-Xlog:disable",
                "-Xlog:all=warning:stderr");
    }

    /** The path of the runner jar (the first classpath entry): built-in templates live in it. */
    public Path runnerJar() {
        return Path.of(classpath.split(":")[0]);
    }

    ProcessBuilder processBuilder(Path workdir, Path stderrLog) {
        List<String> command = new ArrayList<>();
        if (ProcessGroup.available()) {
            command.add(ProcessGroup.setsid());
        }
        command.add(javaExecutable.toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        return new ProcessBuilder(command)
                .directory(workdir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()));
    }
}
