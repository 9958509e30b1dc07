package dev.ccd.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.ReadResult;
import dev.ccd.protocol.Usage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model calls, retries, seconds in calls and estimated tokens of each iteration, and their sums per run. */
class ModelCallStatsTest {
    private static final String RUN = "r-calls";

    @TempDir
    Path tmp;

    @Test
    void callStatisticsAreRecordedPerIterationAndSummedPerRun() throws Exception {
        Path db = tmp.resolve("ccd.db");
        try (Store store = open(db)) {
            for (int i = 1; i <= 3; i++) {
                store.iterationStarted(RUN, i, Timestamps.now());
                store.iterationDone(RUN, done(i, 2L * i, i - 1L, 1.25 * i, 100L * i), Timestamps.now())
                        .get(10, TimeUnit.SECONDS);
            }
        }

        assertThat(number(db, "SELECT model_calls FROM agent_iterations WHERE run_id = '" + RUN + "' AND iteration = 2"))
                .isEqualTo(4);
        assertThat(number(db, "SELECT model_retries FROM agent_iterations WHERE run_id = '" + RUN + "' AND iteration = 3"))
                .isEqualTo(2);
        assertThat(number(db, "SELECT model_seconds FROM agent_iterations WHERE run_id = '" + RUN + "' AND iteration = 1"))
                .isCloseTo(1.25, within(1e-9));
        assertThat(number(db, "SELECT estimated_tokens FROM agent_iterations WHERE run_id = '" + RUN
                + "' AND iteration = 3")).isEqualTo(300);
        assertThat(number(db, "SELECT model_calls FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(12);
        assertThat(number(db, "SELECT model_retries FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(3);
        assertThat(number(db, "SELECT model_seconds FROM agent_runs WHERE id = '" + RUN + "'")).isCloseTo(7.5, within(1e-9));
        assertThat(number(db, "SELECT estimated_tokens FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(600);
    }

    @Test
    void aBudgetPauseInTheMiddleOfAnIterationNeitherLosesNorDoublesItsCallStatistics() throws Exception {
        Path db = tmp.resolve("ccd.db");
        try (Store store = open(db)) {
            store.iterationStarted(RUN, 1, Timestamps.now());
            store.iterationDone(RUN, done(1, 3, 1, 2.0, 50), Timestamps.now()).get(10, TimeUnit.SECONDS);
            store.iterationStarted(RUN, 2, Timestamps.now());
            store.pausedBudget(RUN, new Usage(9000, 150, 0.02, 1, 0L, 0L),
                    JsonNodeFactory.instance.objectNode().put("reason", "max_tokens")).get(10, TimeUnit.SECONDS);
            store.iterationDone(RUN, done(2, 2, 0, 1.5, 0), Timestamps.now()).get(10, TimeUnit.SECONDS);
        }

        assertThat(number(db, "SELECT model_calls FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(5);
        assertThat(number(db, "SELECT model_retries FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(1);
        assertThat(number(db, "SELECT model_seconds FROM agent_runs WHERE id = '" + RUN + "'")).isCloseTo(3.5, within(1e-9));
        assertThat(number(db, "SELECT estimated_tokens FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(50);
        assertThat(number(db, "SELECT sum(model_calls) FROM agent_iterations WHERE run_id = '" + RUN + "'")).isEqualTo(5);
    }

    @Test
    void theRunCountersForMetricsSumTheRunsOfOneName() throws Exception {
        try (Store store = open(tmp.resolve("ccd.db"))) {
            store.iterationStarted(RUN, 1, Timestamps.now());
            store.iterationDone(RUN, done(1, 4, 2, 3.0, 70), Timestamps.now()).get(10, TimeUnit.SECONDS);

            assertThat(store.runCounters()).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("calls");
                assertThat(c.modelCalls()).isEqualTo(4);
                assertThat(c.modelRetries()).isEqualTo(2);
                assertThat(c.modelSeconds()).isCloseTo(3.0, within(1e-9));
                assertThat(c.estimatedTokens()).isEqualTo(70);
            });
        }
    }

    @Test
    void anIterationDoneOfAnOlderRunnerWithoutCallFieldsDecodesAsZero() {
        String line = "{\"op\":\"iteration_done\",\"iteration\":1,\"status\":\"ok\",\"duration_s\":1.0,"
                + "\"summary\":\"s\",\"tokens_in\":10,\"tokens_out\":5,\"cost_usd\":0.1,\"cache_read_tokens\":4}";

        Message.IterationDone done = (Message.IterationDone) ((ReadResult.Received) MessageCodec.decode(line)).message();

        assertThat(done.modelCalls()).isZero();
        assertThat(done.modelRetries()).isZero();
        assertThat(done.modelSeconds()).isZero();
        assertThat(done.estimatedTokens()).isZero();
        assertThat(done.cacheReadTokens()).isEqualTo(4);
    }

    @Test
    void aNegativeRetryCountIsAProtocolErrorNamingTheField() {
        String line = "{\"op\":\"iteration_done\",\"iteration\":1,\"status\":\"ok\",\"duration_s\":1.0,"
                + "\"tokens_in\":10,\"tokens_out\":5,\"cost_usd\":0.1,\"model_retries\":-1}";

        assertThat(MessageCodec.decode(line)).isInstanceOfSatisfying(ReadResult.InvalidFields.class,
                f -> assertThat(f.field()).isEqualTo("model_retries"));
    }

    private static Store open(Path db) throws Exception {
        Store store = Store.open(db);
        store.insertRun(RunRow.starting(RUN, "calls", "t", null, "anthropic", "claude-sonnet-4-5", "/tmp", true, null,
                0, Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
        return store;
    }

    private static Message.IterationDone done(int iteration, long calls, long retries, double seconds, long estimated) {
        return new Message.IterationDone(iteration, IterationStatus.OK, seconds + 1, "it " + iteration, 3000, 100, 0.01,
                0L, 0L, calls, retries, seconds, estimated);
    }

    private static double number(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getDouble(1);
        }
    }
}
