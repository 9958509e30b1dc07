package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether each live runner still answers, and that the daemon itself is alive. One thread
 * ({@code ccd-liveness}) for all runs: every {@link Settings#interval} it pings each runner past
 * its handshake and not stopping; a runner without a {@code pong} for {@link Settings#timeout}
 * gets an {@code unresponsive} event, for twice that it is killed and its run ends
 * {@code crashed}. Only a pong counts: a runner whose stdin reader is stuck may still be talking
 * from its loop, and it could no longer be stopped. Every {@link Settings#heartbeat} the same
 * thread records the daemon's heartbeat, which dates the runs the next start finds interrupted.
 *
 * <p>Nothing here blocks for long: a ping is a short write to a pipe (a runner that stopped
 * reading fills no buffer before it is killed), a kill only signals, writes are queued.
 */
final class Liveness implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    /**
     * How often runners are pinged, how long a runner may go without a pong before it is
     * unresponsive (killed after twice that), how often the daemon's heartbeat is written.
     */
    record Settings(Duration interval, Duration timeout, Duration heartbeat) {
        static final Settings DEFAULTS = new Settings(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(5));

        Settings {
            if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()
                    || heartbeat.isNegative() || heartbeat.isZero()) {
                throw new IllegalArgumentException("liveness durations must be positive: " + interval + ", "
                        + timeout + ", " + heartbeat);
            }
        }

        /**
         * The defaults, overridden by the system properties {@code ccd.liveness.interval_s},
         * {@code ccd.liveness.timeout_s}, {@code ccd.heartbeat.interval_s} or else the environment's
         * {@code CCD_LIVENESS_INTERVAL_S}, {@code CCD_LIVENESS_TIMEOUT_S}, {@code CCD_HEARTBEAT_INTERVAL_S}
         * (seconds, fractions allowed).
         */
        static Settings fromEnvironment(Map<String, String> env) {
            return new Settings(
                    seconds("ccd.liveness.interval_s", "CCD_LIVENESS_INTERVAL_S", env, DEFAULTS.interval),
                    seconds("ccd.liveness.timeout_s", "CCD_LIVENESS_TIMEOUT_S", env, DEFAULTS.timeout),
                    seconds("ccd.heartbeat.interval_s", "CCD_HEARTBEAT_INTERVAL_S", env, DEFAULTS.heartbeat));
        }

        private static Duration seconds(String property, String variable, Map<String, String> env, Duration fallback) {
            String text = System.getProperty(property, env.get(variable));
            if (text == null || text.isBlank()) {
                return fallback;
            }
            try {
                double value = Double.parseDouble(text.strip());
                if (!(value > 0) || Double.isInfinite(value)) {
                    throw new NumberFormatException("not positive");
                }
                return Duration.ofNanos(Math.round(value * 1e9));
            } catch (NumberFormatException e) {
                log.warn("ignoring {} / {} = '{}': not a positive number of seconds; using {} s", property,
                        variable, text, fallback.toMillis() / 1000.0);
                return fallback;
            }
        }
    }

    private final Settings settings;
    private final Store store;
    private final Supplier<List<RunHandle>> live;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "ccd-liveness");
        thread.setDaemon(true);
        return thread;
    });

    Liveness(Settings settings, Store store, Supplier<List<RunHandle>> live) {
        this.settings = settings;
        this.store = store;
        this.live = live;
        timer.scheduleWithFixedDelay(this::beat, 0, settings.heartbeat.toNanos(), TimeUnit.NANOSECONDS);
        timer.scheduleWithFixedDelay(this::pingAll, settings.interval.toNanos(), settings.interval.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    Settings settings() {
        return settings;
    }

    private void beat() {
        try {
            store.heartbeat(Timestamps.now());
        } catch (RuntimeException e) {
            // a closing store: the next beat (or the next start) will tell
            log.debug("heartbeat not recorded: {}", e.toString());
        }
    }

    private void pingAll() {
        long now = System.nanoTime();
        for (RunHandle run : live.get()) {
            try {
                check(run, now);
            } catch (RuntimeException e) {
                // one run's trouble must not stop the pings of the others
                log.error("{} - liveness check failed", run.runId, e);
            }
        }
    }

    private void check(RunHandle run, long now) {
        RunHandle.LivenessStep step = run.livenessStep(now, settings.timeout.toNanos());
        if (step == RunHandle.LivenessStep.SKIP) {
            return;
        }
        long silentS = Math.round(run.silentNanos(now) / 1e9);
        if (step == RunHandle.LivenessStep.KILL) {
            String why = "stopped answering pings for " + silentS + " s: killed";
            log.warn("{} - {}", run.runId, why);
            run.killedBecause(why);
            ManagedProcess process = run.process();
            if (process != null) {
                process.kill();
            }
            return;
        }
        if (step == RunHandle.LivenessStep.UNRESPONSIVE) {
            log.warn("{} - unresponsive: no pong for {} s; killed if none comes within {} s", run.runId, silentS,
                    settings.timeout.toSeconds());
            store.event("unresponsive", run.runId, MessageCodec.mapper().createObjectNode()
                    .put("silent_s", silentS).put("timeout_s", settings.timeout.toMillis() / 1000.0));
        }
        Delivery sent = run.send(new Message.Ping(run.nextPingSeq()));
        if (!sent.delivered()) {
            // its end is near and will be recorded by its reader and exit; the timeout still runs
            log.debug("{} - ping not delivered: {}", run.runId, sent.problem());
        }
    }

    /** A pong arrived (reader thread): a runner that was unresponsive is responsive again. */
    void onPong(RunHandle run) {
        long silent = run.onPong(System.nanoTime());
        if (silent >= 0) {
            long silentS = Math.round(silent / 1e9);
            log.info("{} - responsive again after {} s without a pong", run.runId, silentS);
            store.event("responsive", run.runId, MessageCodec.mapper().createObjectNode().put("silent_s", silentS));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
