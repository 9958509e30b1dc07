package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What both HTTP providers must do about failures: retries, retry-after, cooldown, fatal errors,
 * timeouts, interrupts, and keeping the key out of the transcript. Each provider's test extends
 * this with its wire format.
 */
abstract class HttpProviderContract extends FakeModelServerFixture {
    static final String KEY = "sk-test-secret-4242";

    final RecordingTranscript transcript = new RecordingTranscript();

    // Defaults every test may change before calling provider(): tiny waits, a real retry count.
    String apiKey = KEY;
    Duration requestTimeout = Duration.ofSeconds(5);
    int maxRetries = 2;
    Duration retryMax = Duration.ofSeconds(5);
    Duration cooldown = Duration.ofMillis(50);

    abstract LlmProvider provider(ProviderSettings settings, Transcript transcript);

    abstract String name();

    /** The base URL as a user would configure it for this server. */
    abstract URI baseUrl(FakeModelServer server);

    abstract Reply ok(String text);

    abstract Reply error(int status, String type, String message);

    ProviderSettings settings() {
        return new ProviderSettings("model-x", baseUrl(server), apiKey, 1000, Duration.ofSeconds(2), requestTimeout,
                maxRetries, Duration.ofMillis(10), retryMax, cooldown);
    }

    LlmProvider provider() {
        return provider(settings(), transcript);
    }

    static ModelRequest hello() {
        return new ModelRequest("You are terse.", List.of(ChatMessage.user("hi")), List.of(), 1000);
    }

    @Test
    void maxTokensIsTheConfiguredLimitOrARequestsLowerCap() throws Exception {
        server.enqueue(ok("a"), ok("b"), ok("c"));
        LlmProvider provider = provider();
        List<ChatMessage> hi = List.of(ChatMessage.user("hi"));

        provider.complete(new ModelRequest("", hi, List.of(), 0));
        provider.complete(new ModelRequest("", hi, List.of(), 200));
        provider.complete(new ModelRequest("", hi, List.of(), 5000));

        assertThat(server.request(0).json().path("max_tokens").asInt()).isEqualTo(1000);
        assertThat(server.request(1).json().path("max_tokens").asInt()).isEqualTo(200);
        assertThat(server.request(2).json().path("max_tokens").asInt()).as("never above the configured limit")
                .isEqualTo(1000);
    }

    static long millisBetween(long fromNanos, long toNanos) {
        return Duration.ofNanos(toNanos - fromNanos).toMillis();
    }

    @Test
    void rateLimitWithRetryAfterOneSecondWaitsThatSecondNotTheTinyBackoff() throws Exception {
        server.enqueue(error(429, "rate_limit_error", "slow down").header("retry-after", "1"), ok("after the wait"));

        ModelTurn turn = provider().complete(hello());

        assertThat(turn.text()).isEqualTo("after the wait");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(millisBetween(server.request(0).receivedNanos(), server.request(1).receivedNanos()))
                .isGreaterThanOrEqualTo(950);
        assertThat(transcript.kinds()).containsExactly("request", "response 429", "request", "response 200");
    }

    @Test
    void serverErrorFiveTimesFailsNonFatalThenNextCallWaitsForTheCooldown() throws Exception {
        maxRetries = 4;
        cooldown = Duration.ofMillis(600);
        for (int i = 0; i < 5; i++) {
            server.enqueue(error(500, "api_error", "Internal server error"));
        }
        LlmProvider provider = provider();

        assertThatThrownBy(() -> provider.complete(hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.fatal()).isFalse())
                .hasMessageStartingWith(name() + ": HTTP 500 ")
                .hasMessageContaining("api_error")
                .hasMessageContaining("Internal server error")
                .hasMessageEndingWith("(after 5 attempts)");
        assertThat(server.requestCount()).isEqualTo(5);

        server.enqueue(ok("healed"));
        long start = System.nanoTime();
        assertThat(provider.complete(hello()).text()).isEqualTo("healed");
        assertThat(millisBetween(start, server.request(5).receivedNanos())).isGreaterThanOrEqualTo(550);
    }

    @Test
    void unauthorizedIsFatalAtOnceWithOneRequestAndTheProvidersMessage() {
        server.enqueue(error(401, "authentication_error", "invalid x-api-key"));

        assertThatThrownBy(() -> provider().complete(hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.fatal()).isTrue())
                .hasMessageStartingWith(name() + ": HTTP 401 ")
                .hasMessageContaining("invalid x-api-key");
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void malformedJsonWithStatus200IsRetriedThenSucceeds() throws Exception {
        server.enqueue(Reply.json(200, "{\"id\": \"msg_1\", \"content\": [tru"), ok("well-formed"));

        assertThat(provider().complete(hello()).text()).isEqualTo("well-formed");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(transcript.entries().get(1).turn()).isNull();
        assertThat(transcript.entries().get(1).body().isTextual()).isTrue();
    }

    @Test
    void okWithoutTheExpectedFieldsIsRetriedThenSucceeds() throws Exception {
        server.enqueue(Reply.json(200, "{\"unexpected\": true}"), ok("complete"));

        assertThat(provider().complete(hello()).text()).isEqualTo("complete");
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void responseCutMidBodyIsRetriedThenSucceeds() throws Exception {
        server.enqueue(ok("x".repeat(4000)).cutMidBody(), ok("whole"));

        assertThat(provider().complete(hello()).text()).isEqualTo("whole");
        assertThat(transcript.kinds()).containsExactly("request", "failure", "request", "response 200");
        assertThat(transcript.entries().get(1).error()).doesNotContain("timed out");
    }

    @Test
    void slowReplyBeyondTheRequestTimeoutIsRetriedThenSucceeds() throws Exception {
        requestTimeout = Duration.ofSeconds(1);
        server.enqueue(ok("too late").delayed(Duration.ofSeconds(5)), ok("in time"));

        assertThat(provider().complete(hello()).text()).isEqualTo("in time");
        assertThat(transcript.entries().get(1).error()).contains("timed out after 1000 ms");
    }

    @Test
    void slowServerThatNeverAnswersInTimeFailsNamingTheTimeout() {
        requestTimeout = Duration.ofMillis(200);
        maxRetries = 1;
        server.otherwise(ok("too late").delayed(Duration.ofSeconds(5)));

        assertThatThrownBy(() -> provider().complete(hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.fatal()).isFalse())
                .hasMessage(name() + ": request timed out after 200 ms (request timeout) (after 2 attempts)");
    }

    @Test
    void refusedConnectionIsRetriedThenFailsNamingTheAddress() throws Exception {
        FakeModelServer gone = FakeModelServer.start();
        gone.close();
        maxRetries = 1;
        LlmProvider provider = provider(new ProviderSettings("model-x", baseUrl(gone), KEY, 1000,
                Duration.ofSeconds(2), requestTimeout, maxRetries, Duration.ofMillis(10), retryMax, cooldown), transcript);

        assertThatThrownBy(() -> provider.complete(hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.fatal()).isFalse())
                .hasMessageContaining("cannot connect to 127.0.0.1:" + gone.baseUri().getPort());
        assertThat(transcript.kinds()).containsExactly("request", "failure", "request", "failure");
    }

    @Test
    void apiKeyTravelsInTheHeaderButNeverInTranscriptOrErrors() throws Exception {
        server.enqueue(error(503, "overloaded_error", "busy"), ok("hello"),
                error(403, "permission_error", "key " + KEY + " may not use this model"));
        LlmProvider provider = provider();

        provider.complete(hello());
        Throwable fatal = catchThrowable(() -> provider.complete(hello()));

        assertThat(server.requests()).allSatisfy(r -> assertThat(r.headers().toString()).contains(KEY));
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.body()).doesNotContain(KEY));
        assertThat(transcript.entries()).hasSize(6);
        assertThat(transcript.dump()).doesNotContain(KEY);
        assertThat(fatal).isInstanceOf(ProviderException.class).hasMessageContaining("[redacted]");
        assertThat(fatal.getMessage()).doesNotContain(KEY);
    }

    @Test
    void interruptDuringBackoffThrowsInterruptedPromptly() {
        retryMax = Duration.ofSeconds(60);
        server.enqueue(error(429, "rate_limit_error", "slow down").header("retry-after", "30"));

        assertInterruptedPromptlyOnceTrue(provider(), () -> transcript.hasResponse(429));
    }

    @Test
    void interruptDuringSlowRequestThrowsInterruptedPromptly() {
        requestTimeout = Duration.ofSeconds(60);
        server.enqueue(ok("much later").delayed(Duration.ofSeconds(30)));

        assertInterruptedPromptlyOnceTrue(provider(), () -> server.requestCount() == 1);
    }

    @Test
    void interruptDuringCooldownThrowsInterruptedPromptly() {
        maxRetries = 0;
        cooldown = Duration.ofSeconds(30);
        server.enqueue(error(500, "api_error", "boom"));
        LlmProvider provider = provider();
        assertThatThrownBy(() -> provider.complete(hello())).isInstanceOf(ProviderException.class);

        assertInterruptedPromptlyOnceTrue(provider, () -> transcript.entries().size() == 2);
        assertThat(server.requestCount()).isEqualTo(1);
    }

    /**
     * Calls the provider on a thread of its own, interrupts it once {@code ready} holds and the
     * thread is blocked, and checks it ends with InterruptedException within a second.
     */
    private static void assertInterruptedPromptlyOnceTrue(LlmProvider provider, Callable<Boolean> ready) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                provider.complete(hello());
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "provider-call");
        caller.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> ready.call()
                && (caller.getState() == Thread.State.TIMED_WAITING || caller.getState() == Thread.State.WAITING));
        long interruptedAt = System.nanoTime();
        caller.interrupt();
        await().atMost(Duration.ofSeconds(1)).until(() -> !caller.isAlive());
        assertThat(millisBetween(interruptedAt, System.nanoTime())).isLessThan(1000);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }
}
