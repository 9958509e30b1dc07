package dev.ccd.runner.provider;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the tests that talk to a {@link FakeModelServer}: a fresh server for each test, closed
 * after it. A subclass's own {@code @BeforeEach} runs after the server has started.
 */
abstract class FakeModelServerFixture {
    FakeModelServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = FakeModelServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }
}
