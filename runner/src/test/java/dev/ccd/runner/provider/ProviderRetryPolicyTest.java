package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link RetryPolicy}'s arithmetic, without a server. */
class ProviderRetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10));

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(values.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))), (a, b) -> true);
    }

    @Test
    void backoffDoublesWithTwentyPercentJitterUpToTheMax() {
        for (int i = 0; i < 50; i++) {
            assertThat(policy.backoff(0).toMillis()).isBetween(80L, 120L);
            assertThat(policy.backoff(2).toMillis()).isBetween(320L, 480L);
            assertThat(policy.backoff(4)).isEqualTo(Duration.ofSeconds(1));
            assertThat(policy.backoff(500)).isEqualTo(Duration.ofSeconds(1));
        }
    }

    @Test
    void retryAfterReplacesBackoffButIsCappedAtTheMax() {
        assertThat(policy.delay(0, Optional.of(Duration.ofMillis(700)))).isEqualTo(Duration.ofMillis(700));
        assertThat(policy.delay(0, Optional.of(Duration.ofSeconds(3600)))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void retryAfterIsReadAsSecondsMillisecondsOrHttpDate() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        String inThirtySeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(30).atOffset(ZoneOffset.UTC));

        assertThat(RetryPolicy.retryAfter(headers(Map.of("retry-after", "2")), now)).contains(Duration.ofSeconds(2));
        assertThat(RetryPolicy.retryAfter(headers(Map.of("retry-after", "1.5")), now)).contains(Duration.ofMillis(1500));
        assertThat(RetryPolicy.retryAfter(headers(Map.of("retry-after", inThirtySeconds)), now)).contains(Duration.ofSeconds(30));
        assertThat(RetryPolicy.retryAfter(headers(Map.of("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")), now))
                .contains(Duration.ZERO);
        assertThat(RetryPolicy.retryAfter(headers(Map.of("retry-after-ms", "250", "retry-after", "9")), now))
                .contains(Duration.ofMillis(250));
        assertThat(RetryPolicy.retryAfter(headers(Map.of("retry-after", "soon")), now)).isEmpty();
        assertThat(RetryPolicy.retryAfter(headers(Map.of()), now)).isEmpty();
    }

    @Test
    void cooldownDoublesPerFailedCallUpToSixteenTimesAndResetsOnSuccess() {
        assertThat(policy.cooldownRemaining()).isZero();
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(20));
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(40));
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(80));
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(160));
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(160));
        assertThat(policy.cooldownRemaining()).isGreaterThan(Duration.ofSeconds(150));

        policy.succeeded();

        assertThat(policy.cooldownRemaining()).isZero();
        assertThat(policy.failed()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void onlyTimeoutsConflictsRateLimitsAndServerErrorsAreTransient() {
        assertThat(List.of(408, 409, 429, 500, 502, 503, 529, 599)).allMatch(RetryPolicy::isTransient);
        assertThat(List.of(200, 301, 400, 401, 403, 404, 413, 422, 600)).noneMatch(RetryPolicy::isTransient);
    }

    @Test
    void pauseOfZeroStillNoticesAnInterrupt() {
        Thread.currentThread().interrupt();
        try {
            RetryPolicy.pause(Duration.ZERO);
            throw new AssertionError("expected InterruptedException");
        } catch (InterruptedException expected) {
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }
}
