package dev.ccd.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.ReadResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt-cache tokens of each iteration and their sums per run, in the SQLite file. */
class CacheTokensTest {
    private static final String RUN = "r-cache";

    @TempDir
    Path tmp;

    @Test
    void cacheWritesAndReadsAreRecordedPerIterationAndSummedPerRun() throws Exception {
        Path db = tmp.resolve("ccd.db");
        try (Store store = Store.open(db)) {
            store.insertRun(RunRow.starting(RUN, "cache", "t", null, "anthropic", "claude-sonnet-4-5", "/tmp", true, null,
                    0, Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
            for (int i = 1; i <= 3; i++) {
                store.iterationStarted(RUN, i, Timestamps.now());
                store.iterationDone(RUN, new Message.IterationDone(i, IterationStatus.OK, 1, "it " + i, 5000, 100, 0.01,
                        1000L * i, 3000L), Timestamps.now()).get(10, TimeUnit.SECONDS);
            }
        }

        assertThat(number(db, "SELECT cache_write_tokens FROM agent_iterations WHERE run_id = '" + RUN
                + "' AND iteration = 2")).isEqualTo(2000);
        assertThat(number(db, "SELECT cache_read_tokens FROM agent_iterations WHERE run_id = '" + RUN
                + "' AND iteration = 3")).isEqualTo(3000);
        assertThat(number(db, "SELECT cache_write_tokens FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(6000);
        assertThat(number(db, "SELECT cache_read_tokens FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(9000);
        assertThat(number(db, "SELECT tokens_in FROM agent_runs WHERE id = '" + RUN + "'")).isEqualTo(15000);
    }

    @Test
    void anIterationDoneOfAnOlderRunnerWithoutCacheFieldsDecodesAsZero() {
        String line = "{\"op\":\"iteration_done\",\"iteration\":1,\"status\":\"ok\",\"duration_s\":1.0,"
                + "\"summary\":\"s\",\"tokens_in\":10,\"tokens_out\":5,\"cost_usd\":0.1}";

        Message.IterationDone done = (Message.IterationDone) ((ReadResult.Received) MessageCodec.decode(line)).message();

        assertThat(done.cacheWriteTokens()).isZero();
        assertThat(done.cacheReadTokens()).isZero();
    }

    private static long number(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }
}
