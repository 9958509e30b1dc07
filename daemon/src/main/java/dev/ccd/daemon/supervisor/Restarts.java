package dev.ccd.daemon.supervisor;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code on-crash} restart policy: after the k-th crash in a lineage the next run starts after
 * min(1 s × 2^k, 60 s) ± 20 % jitter. It only decides; the supervisor records, waits and starts.
 */
final class Restarts {
    static final Duration BASE = Duration.ofSeconds(1);
    static final Duration CAP = Duration.ofSeconds(60);

    private Restarts() {
    }

    /** What to do after a crash. */
    record Decision(Kind kind, Duration delay) {
        enum Kind { NONE, EXHAUSTED, RESTART }

        static final Decision NONE = new Decision(Kind.NONE, Duration.ZERO);
        static final Decision EXHAUSTED = new Decision(Kind.EXHAUSTED, Duration.ZERO);
    }

    /**
     * @param restartCount restarts in the lineage so far (0 for a first run)
     */
    static Decision afterCrash(RunSpec spec, int restartCount) {
        if (spec.restart() != RunSpec.RestartPolicy.ON_CRASH) {
            return Decision.NONE;
        }
        if (restartCount >= spec.maxRestarts()) {
            return Decision.EXHAUSTED;
        }
        return new Decision(Decision.Kind.RESTART, delay(restartCount));
    }

    static Duration delay(int restartCount) {
        long base = Math.min(CAP.toMillis(), BASE.toMillis() << Math.min(restartCount, 20));
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.round(base * jitter));
    }
}
