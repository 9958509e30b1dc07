package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ccd.runner.provider.FakeModelServer.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fake itself: what other tests rely on it to do on the wire. */
class FakeModelServerTest extends FakeModelServerFixture {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("x-test", "yes")
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesQueuedRepliesInOrderWithHeadersAndRecordsRequests() throws Exception {
        server.enqueue(FakeModelReplies.anthropicError(429, "rate_limit_error", "slow").header("retry-after", "3"),
                FakeModelReplies.openAiText("hi"));

        HttpResponse<String> first = post("/v1/messages", "{\"a\":1}");
        HttpResponse<String> second = post("/v1/chat/completions", "{\"b\":2}");

        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("retry-after")).contains("3");
        assertThat(first.headers().firstValue("content-type")).contains("application/json");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).contains("\"content\":\"hi\"");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(server.request(0).path()).isEqualTo("/v1/messages");
        assertThat(server.request(0).header("X-TEST")).isEqualTo("yes");
        assertThat(server.request(1).json().path("b").asInt()).isEqualTo(2);
        assertThat(server.pending()).isZero();
    }

    @Test
    void emptyQueueServesTheFallback() throws Exception {
        assertThat(post("/", "{}").statusCode()).isEqualTo(500);

        server.otherwise(FakeModelReplies.anthropicText("always"));

        assertThat(post("/", "{}").body()).contains("always");
        assertThat(post("/", "{}").body()).contains("always");
    }

    @Test
    void cutMidBodyEndsTheResponseEarlyWithAnIoError() {
        server.enqueue(FakeModelReplies.anthropicText("x".repeat(1000)).cutMidBody());

        assertThatThrownBy(() -> post("/", "{}")).isInstanceOf(IOException.class);
    }

    @Test
    void delayedReplyArrivesNoSoonerThanTheDelay() throws Exception {
        server.enqueue(Reply.json(200, "{}").delayed(Duration.ofMillis(300)));
        long start = System.nanoTime();

        assertThat(post("/", "{}").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
}
