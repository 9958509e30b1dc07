package dev.ccd.daemon.supervisor;

import dev.ccd.daemon.store.Store;
import dev.ccd.protocol.MessageCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code on-crash} restart policy: after the k-th crash in a lineage the next run starts after
 * min(1 s × 2^k, 60 s) ± 20 % jitter, with {@code restart_of} and {@code restart_count} recorded.
 * A stop during the wait cancels the restart; running out of restarts is recorded as an event.
 */
final class Restarts {
    private static final Logger log = LoggerFactory.getLogger(Restarts.class);
    static final Duration BASE = Duration.ofSeconds(1);
    static final Duration CAP = Duration.ofSeconds(60);

    private final Supervisor supervisor;
    private final Store store;

    Restarts(Supervisor supervisor, Store store) {
        this.supervisor = supervisor;
        this.store = store;
    }

    /** A restart waiting for its delay; {@link #cancel} makes it never happen. */
    static final class Pending {
        private final String previousRunId;
        private final long dueAtMillis;
        /** Set by cancel() on a control thread, read by the timer thread. */
        private volatile boolean cancelled;

        Pending(String previousRunId, long dueAtMillis) {
            this.previousRunId = previousRunId;
            this.dueAtMillis = dueAtMillis;
        }

        String previousRunId() {
            return previousRunId;
        }

        long dueAtMillis() {
            return dueAtMillis;
        }

        void cancel() {
            cancelled = true;
        }
    }

    static Duration delay(int restartCount) {
        long base = Math.min(CAP.toMillis(), BASE.toMillis() << Math.min(restartCount, 20));
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.round(base * jitter));
    }

    void afterCrash(RunnerProcess crashed) {
        RunSpec spec = crashed.spec;
        if (spec.restart() != RunSpec.RestartPolicy.ON_CRASH || supervisor.isShuttingDown()) {
            return;
        }
        if (crashed.restartCount >= spec.maxRestarts()) {
            log.warn("{} - crashed; restarts exhausted ({} of {})", crashed.runId, crashed.restartCount, spec.maxRestarts());
            store.event("restart_exhausted", crashed.runId, MessageCodec.mapper().createObjectNode()
                    .put("name", spec.name()).put("restarts", crashed.restartCount).put("max_restarts", spec.maxRestarts()));
            return;
        }
        Duration delay = delay(crashed.restartCount);
        Pending pending = new Pending(crashed.runId, System.currentTimeMillis() + delay.toMillis());
        supervisor.addPendingRestart(spec.name(), pending);
        store.event("restart_scheduled", crashed.runId, MessageCodec.mapper().createObjectNode()
                .put("name", spec.name()).put("attempt", crashed.restartCount + 1)
                .put("delay_s", delay.toMillis() / 1000.0));
        log.info("{} - crashed; restart {} of {} in {} ms", crashed.runId, crashed.restartCount + 1,
                spec.maxRestarts(), delay.toMillis());
        Executor later = CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS);
        later.execute(() -> {
            if (pending.cancelled || !supervisor.removePendingRestart(spec.name(), pending)) {
                return;
            }
            try {
                supervisor.launch(spec, crashed.runId, crashed.restartCount + 1);
            } catch (SupervisorException e) {
                log.warn("{} - restart failed: {}", crashed.runId, e.getMessage());
            }
        });
    }
}
