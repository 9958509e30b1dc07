package dev.ccd.runner.provider;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * When an HTTP model call is retried and how long it waits: which statuses are transient, the
 * backoff between attempts, the server's {@code retry-after}, and the cooldown between calls.
 *
 * <p>Backoff before retry {@code n} (0-based) is {@code retryBase * 2^n} with ±20% jitter, capped
 * at {@code retryMax}. A {@code retry-after-ms} or {@code retry-after} header replaces it (capped
 * at {@code retryMax} too, so a server cannot park the run for an hour).
 *
 * <p>Cooldown: each call that exhausts its retries starts a cooldown of {@code cooldown * 2^k}
 * ({@code k} = consecutive failed calls - 1, factor capped at 16); a successful call resets it.
 *
 * <p>Threading: owned by one {@link HttpCaller}, used from the agent loop thread only, so its
 * mutable cooldown state needs no synchronisation.
 */
final class RetryPolicy {
    private static final int MAX_COOLDOWN_FACTOR = 16;
    private static final double JITTER = 0.2;

    private final Duration base;
    private final Duration max;
    private final Duration cooldown;
    private int failedCalls;
    private long cooldownUntilNanos;

    RetryPolicy(Duration base, Duration max, Duration cooldown) {
        this.base = requireNonNegative("retryBase", base);
        this.max = requireNonNegative("retryMax", max);
        this.cooldown = requireNonNegative("cooldown", cooldown);
    }

    static Duration requireNonNegative(String field, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(field + " must be a duration >= 0, got " + value);
        }
        return value;
    }

    /** Statuses that may heal by waiting: timeouts, conflicts, rate limits, server errors (529 included). */
    static boolean isTransient(int status) {
        return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
    }

    /** The wait before retry {@code retry} (0 = the first retry): the server's word, else backoff. */
    Duration delay(int retry, Optional<Duration> retryAfter) {
        return retryAfter.map(d -> min(d, max)).orElseGet(() -> backoff(retry));
    }

    Duration backoff(int retry) {
        double nominal = base.toNanos() * Math.pow(2, Math.min(retry, 40));
        double jittered = nominal * (1 + ThreadLocalRandom.current().nextDouble(-JITTER, JITTER));
        return min(Duration.ofNanos((long) Math.min(jittered, Long.MAX_VALUE)), max);
    }

    /**
     * The server's requested wait: Anthropic's {@code retry-after-ms} first (finer), then
     * {@code retry-after} as seconds or as an HTTP date. Unparseable values are ignored.
     */
    static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        Optional<Duration> ms = headers.firstValue("retry-after-ms").flatMap(v -> seconds(v, 0.001));
        if (ms.isPresent()) {
            return ms;
        }
        return headers.firstValue("retry-after").flatMap(v -> seconds(v, 1).or(() -> untilDate(v, now)));
    }

    private static Optional<Duration> seconds(String value, double unitSeconds) {
        try {
            double amount = Double.parseDouble(value.strip());
            if (amount < 0 || Double.isNaN(amount) || Double.isInfinite(amount)) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) Math.min(amount * unitSeconds * 1e9, Long.MAX_VALUE)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> untilDate(String value, Instant now) {
        try {
            Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(now, at);
            return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    void succeeded() {
        failedCalls = 0;
        cooldownUntilNanos = System.nanoTime();
    }

    /** Records a call that exhausted its retries; returns the cooldown it starts. */
    Duration failed() {
        failedCalls++;
        int factor = Math.min(1 << Math.min(failedCalls - 1, 30), MAX_COOLDOWN_FACTOR);
        Duration wait = cooldown.multipliedBy(factor);
        cooldownUntilNanos = System.nanoTime() + wait.toNanos();
        return wait;
    }

    /** How long the next call must still wait; zero when no cooldown is running. */
    Duration cooldownRemaining() {
        if (failedCalls == 0) {
            return Duration.ZERO;
        }
        long left = cooldownUntilNanos - System.nanoTime();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    int failedCalls() {
        return failedCalls;
    }

    /**
     * Waits out a backoff or cooldown. Interruptible: the run is stopping, so the interrupt
     * surfaces at once as {@link InterruptedException} rather than after the wait.
     */
    static void pause(Duration wait) throws InterruptedException {
        if (!wait.isZero() && !wait.isNegative()) {
            TimeUnit.NANOSECONDS.sleep(wait.toNanos());
        } else if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
