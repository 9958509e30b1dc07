package dev.ccd.daemon.supervisor;

import dev.ccd.process.Command;
import dev.ccd.process.LocalLauncher;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.protocol.ReadResult;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An AppCDS archive of the runner's classes (JDK 17 {@code -XX:ArchiveClassesAtExit}), which
 * halves a runner's start-up and lets runners share class metadata pages. It is made on first
 * use, by one training run of the real runner (a scripted turn with a tool call), in the
 * background; runners started before it exists simply start without it.
 *
 * <p>The archive's name carries a hash of everything it depends on (the JVM, the exact classpath
 * with each jar's size and time, the flags), so a rebuilt runner or another JDK gets a new
 * archive instead of a stale one. Should the JVM still refuse an archive, it says so on the
 * runner's stderr and starts without it ({@code -Xshare:auto}). {@code CCD_CDS=0} disables all this.
 *
 * <p>Threading: {@link #flags} from any thread; one training at a time (guarded by a flag).
 */
final class RunnerArchive {
    private static final Logger log = LoggerFactory.getLogger(RunnerArchive.class);
    static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(60);

    private final Path file;
    private final AtomicBoolean training = new AtomicBoolean();

    private RunnerArchive(Path file) {
        this.file = file;
    }

    /** The archive for this runner classpath, in {@code dir}; null when archives are disabled. */
    static RunnerArchive in(Path dir, String javaExecutable, String classpath, List<String> flags) {
        if ("0".equals(System.getenv("CCD_CDS"))) {
            return null;
        }
        return new RunnerArchive(dir.resolve("runner-" + hash(javaExecutable, classpath, flags) + ".jsa"));
    }

    Path file() {
        return file;
    }

    /** The flags that use the archive, once it exists. */
    List<String> flags() {
        return Files.isRegularFile(file) ? List.of("-XX:SharedArchiveFile=" + file) : List.of();
    }

    /** Makes the archive in the background if it does not exist yet. */
    void ensureInBackground(List<String> command) {
        if (Files.isRegularFile(file) || !training.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                train(command);
            } catch (IOException | RuntimeException e) {
                log.warn("class-data archive not made ({}); runners start without it", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                training.set(false);
            }
        }, "cds-training");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Runs one scripted iteration with a tool call in a scratch directory, with the JVM asked to
     * dump the classes it loaded at exit; moves the dump into place only if the run ended well.
     *
     * @param command the runner's command line, without the archive flags
     */
    private void train(List<String> command) throws IOException, InterruptedException {
        Files.createDirectories(file.getParent());
        removeAbandonedTrainings(file.getParent());
        Path scratch = Files.createTempDirectory(file.getParent(), "training-");
        Path dump = scratch.resolve("runner.jsa");
        try {
            Path script = Files.writeString(scratch.resolve("script.jsonl"),
                    "{\"text\": \"warming up\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"true\"}},"
                            + " {\"name\": \"read_file\", \"input\": {\"path\": \"script.jsonl\"}}]}\n"
                            + "{\"text\": \"done\"}\n", StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>(command);
            cmd.add(1, "-XX:ArchiveClassesAtExit=" + dump);
            // a runner like any other: no API key, no CCD_HOME
            ManagedProcess p = LocalLauncher.instance().start(Command.of(cmd, scratch)
                    .withEnvironment(RunnerLauncher.runnerEnvironment(System.getenv(), Map.of()), false)
                    .withStderr(ProcessBuilder.Redirect.to(scratch.resolve("stderr.log").toFile())));
            // a training run that hangs is ended, which also ends the read below
            CompletableFuture.delayedExecutor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).execute(p::kill);
            try (MessageWriter in = new MessageWriter(p.stdin())) {
                in.send(new Message.Init(Message.PROTOCOL_VERSION, "training", "training", new TemplateSpec("t", "# t"),
                        null, RunConfig.minimal("scripted", script.toString(), scratch.toString(),
                                scratch.resolve("run").toString())));
                MessageReader out = new MessageReader(p.stdout());
                ReadResult r;
                do {
                    r = out.read();
                } while (!(r instanceof ReadResult.EndOfStream)
                        && !(r instanceof ReadResult.Received m && m.message() instanceof Message.Exit));
            } finally {
                if (!p.awaitExit(TRAINING_TIMEOUT)) {
                    p.kill();
                }
                // whatever the training's tool call left behind
                p.kill();
            }
            if (p.isAlive()) {
                throw new IOException("the training run did not end within " + TRAINING_TIMEOUT.toSeconds() + " s");
            }
            if (p.exitCode() != 0 || !Files.isRegularFile(dump)) {
                throw new IOException("the training run ended with code " + p.exitCode() + " and no archive");
            }
            Files.move(dump, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("class-data archive made: {} ({} KiB)", file, Files.size(file) / 1024);
        } finally {
            try (Stream<Path> leftovers = Files.walk(scratch)) {
                leftovers.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** Scratch directories of trainings whose daemon died mid-way (an hour old: none is still going). */
    private static void removeAbandonedTrainings(Path dir) throws IOException {
        long hourAgo = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path old : entries.filter(p -> p.getFileName().toString().startsWith("training-")).toList()) {
                if (Files.getLastModifiedTime(old).toMillis() < hourAgo) {
                    try (Stream<Path> files = Files.walk(old)) {
                        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                    }
                }
            }
        }
    }

    private static String hash(String java, String classpath, List<String> flags) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((java + "\n" + System.getProperty("java.vm.version") + "\n" + flags + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            for (String entry : classpath.split(":")) {
                Path jar = Path.of(entry);
                String stamp = entry + "|" + (Files.exists(jar) ? Files.size(jar) + "|" + Files.getLastModifiedTime(jar) : "-");
                sha.update((stamp + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException | IOException e) {
            return "unhashed";
        }
    }
}
