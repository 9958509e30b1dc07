package dev.ccd.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import dev.ccd.runner.bench.SoakModel;
import dev.ccd.runner.provider.FakeModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long run against a fake OpenAI-compatible server: each iteration reads a large file and
 * answers at length, so the conversation outgrows a small context window again and
 * again. Every request must stay under the window; compactions must be reported.
 */
class BoundedContextSoakTest {
    static final int ITERATIONS = 1000;
    static final int WINDOW_TOKENS = 8_000;

    @TempDir
    Path tmp;

    @Test
    void aThousandIterationsKeepEveryRequestUnderTheContextWindow() throws Exception {
        try (FakeModelServer server = FakeModelServer.start()) {
            server.respondWith(SoakModel::reply);
            Path work = Files.createDirectories(tmp.resolve("work"));
            Files.writeString(work.resolve("big.txt"), "x".repeat(9_000));
            try (RunnerHarness runner = RunnerHarness.launch(tmp, Map.of())) {
                runner.send(new Message.Init(Message.PROTOCOL_VERSION, "r-soak", "soak", new TemplateSpec("t", "# t\nLoop."),
                        null, new RunConfig("openai", "soak-model", server.baseUrl() + "/v1", null, work.toString(),
                                tmp.resolve("run").toString(), 0, false, null, new Budget(null, null, ITERATIONS),
                                new ProviderOptions(256, 1.0, 5.0, 2, 0.01, 0.05, 0.1), WINDOW_TOKENS, 0.6, 0, null, null, null)));

                List<Message> messages = runner.untilExit();

                assertThat(messages.get(messages.size() - 1)).isEqualTo(new Message.Exit(EndReason.MAX_ITERATIONS, ITERATIONS, null));
                assertThat(messages).filteredOn(Message.IterationDone.class::isInstance)
                        .hasSize(ITERATIONS)
                        .allSatisfy(m -> assertThat(((Message.IterationDone) m).status()).isEqualTo(IterationStatus.OK));
                long compactions = messages.stream().filter(Message.Notify.class::isInstance)
                        .filter(m -> ((Message.Notify) m).text().startsWith("context compacted")).count();
                assertThat(compactions).isGreaterThan(ITERATIONS / 10);
            }
            int largest = server.requests().stream().mapToInt(r -> r.body().length()).max().orElseThrow();
            assertThat(server.requestCount()).isGreaterThanOrEqualTo(2 * ITERATIONS);
            assertThat(largest / 4).as("largest request, in tokens (chars / 4)").isLessThan(WINDOW_TOKENS);
        }
    }
}
