package dev.ccd.runner;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.Price;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import dev.ccd.runner.provider.FakeModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the tests that run the real runner JVM against a {@link FakeModelServer}: a fresh
 * server for each test, and the runner the test launches into {@code runner}, killed after it.
 */
abstract class FakeModelRunnerFixture {
    @TempDir
    Path tmp;
    FakeModelServer server;
    RunnerHarness runner;

    @BeforeEach
    void startServer() throws Exception {
        server = FakeModelServer.start();
    }

    @AfterEach
    void stopAll() {
        if (runner != null) {
            runner.close();
        }
        server.close();
    }

    /** The init of run {@code r-<name>}, at work in {@code tmp/work} and recorded in {@code tmp/run}. */
    Message.Init runInit(String name, String template, String provider, String baseUrl, String model, Budget budget,
            Integer stagnation, Map<String, Price> prices, ProviderOptions options) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        return new Message.Init(Message.PROTOCOL_VERSION, "r-" + name, name, new TemplateSpec("t", template), null,
                new RunConfig(provider, model, baseUrl, null, work.toString(), tmp.resolve("run").toString(), 0,
                        false, null, budget, options, null, null, stagnation, prices, null, null));
    }
}
