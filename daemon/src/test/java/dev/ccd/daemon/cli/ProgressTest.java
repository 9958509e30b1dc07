package dev.ccd.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void aQuickAnswerShowsNothing() {
        StringWriter err = new StringWriter();

        Progress.start(new PrintWriter(err, true), "stopping the agent", Duration.ofSeconds(30)).close();

        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aSlowAnswerShowsWhatIsAwaitedGrowingDotsAndEndsTheLine() {
        StringWriter err = new StringWriter();
        Progress progress = Progress.start(new PrintWriter(err, true), "stopping the agent", Duration.ZERO);

        await().atMost(Duration.ofSeconds(5)).until(() -> err.toString().startsWith("stopping the agent....."));
        progress.close();

        String shown = err.toString();
        assertThat(shown).matches("stopping the agent\\.{3,}" + System.lineSeparator());
        // the thread is gone: no dot comes later
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() -> err.toString().equals(shown));
    }
}
