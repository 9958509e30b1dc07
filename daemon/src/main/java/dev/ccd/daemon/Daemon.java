package dev.ccd.daemon;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.ccd.daemon.control.ControlApi;
import dev.ccd.daemon.control.ControlServer;
import dev.ccd.daemon.http.Dashboard;
import dev.ccd.daemon.http.HttpSettings;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.daemon.supervisor.RunnerLauncher;
import dev.ccd.daemon.supervisor.Supervisor;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: one per {@code $CCD_HOME}, guarded by a lock on {@code run/ccd.lock} and announced
 * in {@code run/ccd.pid}. Start: take the lock, mark the runs a previous daemon left live as
 * {@code interrupted}, find whether sandboxes work ({@link SandboxSupport}), open the control
 * socket. Shutdown (by {@code daemon.shutdown} or SIGTERM): stop every runner with its ladder,
 * close the socket, commit and close the store, remove the pid file.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final CcdHome home;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Store store;
    private final Supervisor supervisor;
    private final ControlServer server;
    /** The web dashboard; null when the daemon serves none. */
    private final Dashboard dashboard;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    private Daemon(CcdHome home, FileChannel lockChannel, FileLock lock, Store store, Supervisor supervisor,
            ControlServer server, Dashboard dashboard) {
        this.home = home;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.store = store;
        this.supervisor = supervisor;
        this.server = server;
        this.dashboard = dashboard;
    }

    /** Thrown when another daemon holds this home. */
    public static final class AlreadyRunning extends Exception {
        public AlreadyRunning(String message) {
            super(message);
        }
    }

    /** Starts a daemon in this JVM without a dashboard (unless config.json asks for one). */
    public static Daemon start(CcdHome home) throws IOException, SQLException, AlreadyRunning {
        return start(home, HttpSettings.OFF, false);
    }

    /**
     * Starts a daemon in this JVM; returns once the control socket (and the dashboard, if any)
     * accepts requests. {@code logToStderr} also sends the log to stderr (in the foreground, where
     * systemd's journal reads it).
     */
    public static Daemon start(CcdHome home, HttpSettings http, boolean logToStderr)
            throws IOException, SQLException, AlreadyRunning {
        home.ensureLayout();
        configureLogging(home, logToStderr);
        FileChannel lockChannel = FileChannel.open(home.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new AlreadyRunning("a ccd daemon is already running for " + home.root()
                    + PidFile.read(home.pidFile()).map(pid -> " (pid " + pid + ")").orElse(""));
        }
        // bwrap runs while the store opens: its few ms add nothing to the start.
        CompletableFuture<SandboxSupport> sandbox = SandboxSupport.probe(SandboxSupport.configuredBwrap());
        Store store = null;
        ControlServer server = null;
        Dashboard dashboard = null;
        try {
            HttpSettings httpSettings = http.orConfig(home.config());
            Files.writeString(home.pidFile(), ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
            store = Store.open(home.db());
            List<String> interrupted = store.markLiveRunsInterrupted(Timestamps.now()).join();
            List<String> stoppedWithTheDaemon = store.stoppedByDaemonStop();
            var payload = MessageCodec.mapper().createObjectNode().put("pid", ProcessHandle.current().pid());
            interrupted.forEach(payload.putArray("interrupted")::add);
            store.event("daemon_started", null, payload).join();
            if (!interrupted.isEmpty()) {
                log.warn("marked {} runs interrupted: {}", interrupted.size(), interrupted);
            }
            RunnerLauncher launcher = RunnerLauncher.fromEnvironment();
            launcher.prepareArchive();
            TemplateCatalog templates = new TemplateCatalog(launcher.runnerJar(), home.templates());
            Supervisor supervisor = new Supervisor(home, store, launcher);
            Daemon[] self = new Daemon[1];
            SandboxSupport sandboxes = sandbox.join();
            if (!sandboxes.available()) {
                log.warn("{}", sandboxes.message());
            }
            ControlApi api = new ControlApi(home, store, supervisor, templates, () -> self[0].shutdown(), sandboxes);
            // Before the socket: once 'ccd start' gets an answer, run/http.addr is there.
            if (httpSettings.enabled()) {
                dashboard = Dashboard.start(home, httpSettings, store, api);
            } else {
                Dashboard.removeFiles(home);
            }
            server = ControlServer.start(home.socket(), api);
            self[0] = new Daemon(home, lockChannel, lock, store, supervisor, server, dashboard);
            // runs that asked for it go on where the last daemon left them, once requests are taken
            api.resumeOnStart(interrupted, stoppedWithTheDaemon);
            log.info("daemon started: pid {}, home {}", ProcessHandle.current().pid(), home.root());
            return self[0];
        } catch (IOException | SQLException | RuntimeException e) {
            if (dashboard != null) {
                dashboard.close();
            }
            if (server != null) {
                server.close();
            }
            if (store != null) {
                store.close();
            }
            Files.deleteIfExists(home.pidFile());
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** Blocks until the daemon has shut down. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** Stops everything; idempotent, and safe from any thread including a shutdown hook. */
    public void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            awaitQuietly();
            return;
        }
        log.info("daemon stopping");
        try {
            store.event("daemon_stopping", null, null);
            if (dashboard != null) {
                dashboard.close();
            }
            supervisor.shutdown();
            server.close();
            store.close();
            Files.deleteIfExists(home.pidFile());
            lock.release();
            lockChannel.close();
        } catch (IOException | RuntimeException e) {
            log.error("shutdown: {}", e.toString());
        } finally {
            log.info("daemon stopped");
            stopped.countDown();
        }
    }

    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The daemon logs to {@code logs/daemon.log}, size-rotated; see logback-daemon.xml. */
    private static void configureLogging(CcdHome home, boolean logToStderr) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        context.putProperty("CCD_LOG_DIR", home.logs().toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(Daemon.class.getResource("/logback-daemon.xml"));
        } catch (JoranException e) {
            System.err.println("ccd: logging configuration failed: " + e.getMessage());
        }
        if (logToStderr) {
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(context);
            encoder.setPattern("%-5level [%thread] %logger{0} - %msg%n"); // the journal adds the time
            encoder.start();
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setContext(context);
            console.setTarget("System.err");
            console.setEncoder(encoder);
            console.start();
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(console);
        }
    }
}
