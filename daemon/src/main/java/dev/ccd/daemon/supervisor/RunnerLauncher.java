package dev.ccd.daemon.supervisor;

import dev.ccd.process.Command;
import dev.ccd.process.Launcher;
import dev.ccd.process.LocalLauncher;
import dev.ccd.process.ManagedProcess;
import dev.ccd.process.Secrets;
import dev.ccd.process.Slurm;
import dev.ccd.process.SrunLauncher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /** Null when class-data archives are off (or for the test launchers of fake runners). */
    private final RunnerArchive archive;
    /** Where runners run: forked on this machine. */
    private final Launcher placement = LocalLauncher.instance();
    /** The environment a runner's is made from: the daemon's (tests give another). */
    private volatile Map<String, String> baseEnvironment = System.getenv();

    RunnerLauncher(Path javaExecutable, String classpath, List<String> jvmFlags, String mainClass) {
        this(javaExecutable, classpath, jvmFlags, mainClass, null);
    }

    private RunnerLauncher(Path javaExecutable, String classpath, List<String> jvmFlags, String mainClass,
            RunnerArchive archive) {
        this.javaExecutable = javaExecutable;
        this.classpath = classpath;
        this.jvmFlags = List.copyOf(jvmFlags);
        this.mainClass = mainClass;
        this.archive = archive;
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
        String classpath = String.join(":", entries);
        RunnerArchive archive = RunnerArchive.in(archiveDir(runnerDir), java.toString(), classpath, defaultFlags());
        return new RunnerLauncher(java, classpath, defaultFlags(), MAIN_CLASS, archive);
    }

    /** Next to the runner's jars when that is writable (shared by every ccd home), else per user. */
    private static Path archiveDir(Path runnerDir) {
        Path beside = runnerDir.resolve("cds");
        if (Files.isWritable(runnerDir)) {
            return beside;
        }
        return Path.of(System.getProperty("user.home"), ".cache", "ccd");
    }

    /** Starts making the class-data archive if there is none yet; runners use it once it exists. */
    public void prepareArchive() {
        if (archive != null) {
            archive.ensureInBackground(command(List.of()));
        }
    }

    /** {@code ready}, {@code missing} (being made, or not yet) or {@code off}: for status and benchmarks. */
    public String archiveState() {
        if (archive == null) {
            return "off";
        }
        return Files.isRegularFile(archive.file()) ? "ready" : "missing";
    }

    /** The archive's file, when archives are on. */
    public java.util.Optional<Path> archiveFile() {
        return java.util.Optional.ofNullable(archive).map(RunnerArchive::file);
    }

    static List<String> defaultFlags() {
        return List.of(
                // Map the class-data archives where they were made instead of relocating them
                // (this JDK's default): relocated pages are written to, so no two runners share
                // them; mapped in place, the archives' read-only pages are shared by all runners.
                "-XX:+UnlockDiagnosticVMOptions",
                "-XX:ArchiveRelocationMode=0",
                "-XX:+UseSerialGC",
                "-Xms8m",
                "-Xmx96m",
                "-Xss512k",
                "-XX:MaxMetaspaceSize=64m",
                "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1",
                "-XX:-UsePerfData",
                "-Xshare:auto",
                "-Xlog:disable",
                "-Xlog:all=warning:stderr");
    }

    /** The path of the runner jar (the first classpath entry): built-in templates live in it. */
    public Path runnerJar() {
        return Path.of(classpath.split(":")[0]);
    }

    /** java, its flags (and extra ones), the classpath and the main class. */
    private List<String> command(List<String> extraFlags) {
        return command(javaExecutable.toString(), extraFlags);
    }

    private List<String> command(String java, List<String> extraFlags) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmFlags);
        command.addAll(extraFlags);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        return command;
    }

    /**
     * Starts a runner in its own session and process group (so that its group reaches whatever
     * it leaves behind), in {@code workdir}, stderr appended to {@code stderrLog}, in the
     * environment of {@link #runnerEnvironment}.
     */
    ManagedProcess start(Path workdir, Path stderrLog, Map<String, String> secrets) throws IOException {
        Command runner = Command.of(command(archive == null ? List.of() : archive.flags()), workdir)
                .withStderr(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()))
                .withEnvironment(runnerEnvironment(baseEnvironment, secrets), false);
        return placement.start(runner);
    }

    /**
     * Starts a runner where {@code placement} says: as {@link #start(Path, Path, Map)} on this
     * machine, or as the Slurm job {@code jobName} through srun. On a node, the runner is the
     * same command line: its jars at the paths they have here (the nodes must share them, as
     * they share the workdir), Java from {@link Placement#java} or the daemon's own path; the
     * class-data archive only with the daemon's own Java, for which it was made.
     */
    ManagedProcess start(Path workdir, Path stderrLog, Map<String, String> secrets, Placement placement, String jobName)
            throws IOException {
        if (placement.local()) {
            return start(workdir, stderrLog, secrets);
        }
        String java = placement.java() == null ? javaExecutable.toString() : placement.java();
        boolean sameJava = java.equals(javaExecutable.toString());
        Command runner = Command.of(command(java, archive == null || !sameJava ? List.of() : archive.flags()), workdir)
                .withStderr(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()))
                .withEnvironment(runnerEnvironment(baseEnvironment, secrets), false);
        // Slurm's own commands need no key: they get the daemon's environment without any
        Slurm slurm = new Slurm(runnerEnvironment(baseEnvironment, Map.of()));
        return new SrunLauncher(slurm, jobName, placement.slurmArgs()).start(runner);
    }

    /** For tests: the environment runners' are made from, instead of the daemon's. */
    void baseEnvironment(Map<String, String> environment) {
        this.baseEnvironment = Map.copyOf(environment);
    }

    /**
     * A runner's whole environment: the daemon's (PATH, HOME, LANG, JAVA_HOME, ...) without any
     * credential and without {@code CCD_HOME}, plus the run's {@code secrets} (its own provider's
     * key and base URL). A runner holds one key, the one it uses, so a tool that reads the
     * runner's environment (a sandbox off) finds no other provider's key and no way to the daemon.
     */
    static Map<String, String> runnerEnvironment(Map<String, String> base, Map<String, String> secrets) {
        Map<String, String> environment = new HashMap<>();
        base.forEach((name, value) -> {
            if (!Secrets.named(name)) {
                environment.put(name, value);
            }
        });
        environment.putAll(secrets);
        return environment;
    }
}
