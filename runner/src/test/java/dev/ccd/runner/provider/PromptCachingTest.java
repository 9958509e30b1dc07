package dev.ccd.runner.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Prompt caching end to end: the requests carry the breakpoints, the fake server's cache
 * (simulated on a test clock) bills reads and writes, and the turns report them.
 */
class PromptCachingTest extends FakeModelServerFixture {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Over the 1,024-token minimum of a cacheable prefix. */
    private static final String SYSTEM = "You run experiments. ".repeat(400);

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void simulateCaching() {
        server.simulateCaching(new PromptCacheSimulator(now::get));
    }

    private ProviderSettings settings(String path, String ttl) {
        return TestProviderSettings.at(server.baseUri().resolve(path)).cacheTtl(ttl).build();
    }

    private static List<ToolSpec> tools() {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        return List.of(new ToolSpec("bash", "Runs a command", schema), new ToolSpec("read_file", "Reads a file", schema));
    }

    /** Three calls of one growing conversation; {@code gap} passes on the clock before the last. */
    private List<ModelTurn> conversation(LlmProvider provider, Duration gap, boolean anthropic) throws Exception {
        List<ChatMessage> messages = new ArrayList<>(List.of(ChatMessage.user("Begin the program.")));
        List<ModelTurn> turns = new ArrayList<>();
        for (int call = 0; call < 3; call++) {
            if (call == 2) {
                now.updateAndGet(t -> t.plus(gap));
            }
            server.enqueue(anthropic ? FakeModelReplies.anthropicText("step " + call) : FakeModelReplies.openAiText("step " + call));
            ModelTurn turn = provider.complete(new ModelRequest(SYSTEM, messages, tools(), 0));
            turns.add(turn);
            messages.add(new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text(turn.text()))));
            messages.add(ChatMessage.user("Continue to the next iteration of the program. " + "output ".repeat(120)));
        }
        return turns;
    }

    @Test
    void anthropicWritesThePrefixOnceAndReadsItOnTheNextCalls() throws Exception {
        List<ModelTurn> turns = conversation(new AnthropicProvider(settings("/", "5m"), null), Duration.ofMinutes(1), true);

        assertThat(turns.get(0).usage().cacheRead()).isZero();
        assertThat(turns.get(0).usage().cacheWrite()).isGreaterThan(1024);
        assertThat(turns.get(1).usage().cacheRead()).isEqualTo(turns.get(0).usage().cacheWrite());
        assertThat(turns.get(2).usage().cacheRead()).isGreaterThan(turns.get(1).usage().cacheRead());
        assertThat(turns.get(2).usage().cacheWrite1h()).isZero();
        for (FakeModelServer.Recorded request : server.requests()) {
            assertThat(request.body().split("\"cache_control\"", -1).length - 1).isBetween(2, 4);
        }
    }

    @Test
    void aFiveMinuteCacheIsGoneAfterAFiveMinuteGapAndAnHourLongOneIsNot() throws Exception {
        List<ModelTurn> shortLived = conversation(new AnthropicProvider(settings("/", "5m"), null), Duration.ofMinutes(5), true);
        now.updateAndGet(t -> t.plus(Duration.ofHours(2)));
        List<ModelTurn> longLived = conversation(new AnthropicProvider(settings("/", "1h"), null), Duration.ofMinutes(5), true);

        assertThat(shortLived.get(2).usage().cacheRead()).isZero();
        assertThat(longLived.get(2).usage().cacheRead()).isGreaterThan(1024);
        assertThat(longLived.get(0).usage().cacheWrite1h()).isEqualTo(longLived.get(0).usage().cacheWrite());
        JsonNode marker = server.request(server.requestCount() - 1).json().path("system").get(0).path("cache_control");
        assertThat(marker).isEqualTo(JSON.readTree("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
    }

    @Test
    void cacheTtlOffSendsNoBreakpointAndReadsNothing() throws Exception {
        List<ModelTurn> turns = conversation(new AnthropicProvider(settings("/", "off"), null), Duration.ofMinutes(1), true);

        assertThat(turns).allSatisfy(t -> assertThat(t.usage().cacheRead() + t.usage().cacheWrite()).isZero());
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.body()).doesNotContain("cache_control"));
    }

    @Test
    void theAnthropicPrefixIsByteStableFromOneCallToTheNext() throws Exception {
        conversation(new AnthropicProvider(settings("/", "1h"), null), Duration.ofMinutes(1), true);

        JsonNode first = server.request(0).json();
        JsonNode third = server.request(2).json();
        assertThat(third.path("tools")).isEqualTo(first.path("tools"));
        assertThat(third.path("system")).isEqualTo(first.path("system"));
        assertThat(third.path("messages").get(0).path("content").get(0).path("text"))
                .isEqualTo(first.path("messages").get(0).path("content").get(0).path("text"));
    }

    @Test
    void apiOpenAiComGetsTheRunAsPromptCacheKeyAndOtherServersDoNot() {
        ModelRequest request = new ModelRequest(SYSTEM, List.of(ChatMessage.user("hi")), tools(), 0);
        ProviderSettings vendor = TestProviderSettings.at(java.net.URI.create("https://api.openai.com/v1")).model("gpt-5")
                .promptCacheKey("r-1234").build();
        ProviderSettings local = TestProviderSettings.at(server.baseUri().resolve("/v1")).model("qwen").apiKey(null)
                .promptCacheKey("r-1234").build();

        assertThat(new OpenAiProvider(vendor, null).body(request).path("prompt_cache_key").asText()).isEqualTo("r-1234");
        assertThat(new OpenAiProvider(local, null).body(request).has("prompt_cache_key")).isFalse();
        // the same conversation makes the same bytes: the prefix the automatic cache matches
        assertThat(new OpenAiProvider(vendor, null).body(request).toString())
                .isEqualTo(new OpenAiProvider(vendor, null).body(request).toString());
    }

    @Test
    void openAiCachedPromptTokensAreReportedAsCacheReads() throws Exception {
        List<ModelTurn> turns = conversation(new OpenAiProvider(settings("/v1", "5m"), null), Duration.ofMinutes(1), false);

        assertThat(turns.get(0).usage().cacheRead()).isZero();
        assertThat(turns.get(1).usage().cacheRead()).isGreaterThanOrEqualTo(1024).isLessThan(turns.get(1).tokensIn());
        assertThat(turns.get(1).usage().cacheRead() % 128).isZero();
        assertThat(turns.get(2).usage().cacheRead()).isGreaterThan(turns.get(1).usage().cacheRead());
    }
}
