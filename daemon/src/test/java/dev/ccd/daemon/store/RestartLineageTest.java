package dev.ccd.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.testing.Db;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.Usage;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted run's runner counts its whole lineage (it goes on from the crashed run's
 * checkpoint); a budget pause puts on the restarted row only what that row's runner spent.
 */
class RestartLineageTest {
    @TempDir
    Path tmp;

    @Test
    void aPauseOfARestartedRunCountsOnItsRowOnlyWhatTheRunsBeforeItDidNotRecord() throws Exception {
        Path db = tmp.resolve("ccd.db");
        ObjectNode payload = MessageCodec.mapper().createObjectNode().put("reason", "max_tokens");
        try (Store store = Store.open(db)) {
            store.insertRun(RunRow.starting("r-1", "night", "t", null, "scripted", null, "/w", true, null, 0,
                    Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
            store.iterationStarted("r-1", 1, Timestamps.now());
            store.iterationDone("r-1", new Message.IterationDone(1, IterationStatus.OK, 1, "one", 1000, 100, 0.5, 0L, 0L),
                    Timestamps.now()).get(10, TimeUnit.SECONDS);
            // r-2 restarted r-1, r-3 restarted r-2: each runner goes on counting from the one before
            store.insertRun(RunRow.starting("r-2", "night", "t", null, "scripted", null, "/w", true, "r-1", 1,
                    Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
            store.iterationStarted("r-2", 2, Timestamps.now());
            store.iterationDone("r-2", new Message.IterationDone(2, IterationStatus.OK, 1, "two", 400, 40, 0.2, 0L, 0L),
                    Timestamps.now()).get(10, TimeUnit.SECONDS);
            store.insertRun(RunRow.starting("r-3", "night", "t", null, "scripted", null, "/w", true, "r-2", 2,
                    Timestamps.now(), "on", "on")).get(10, TimeUnit.SECONDS);
            store.iterationStarted("r-3", 3, Timestamps.now()).get(10, TimeUnit.SECONDS);

            // the runner of r-3 has used 1000 + 400 before it, and 250 in + 25 out of its open iteration
            store.pausedBudget("r-3", new Usage(1650, 165, 0.8, 2, 0L, 0L), payload).get(10, TimeUnit.SECONDS);
        }

        assertThat(Db.count(db, "SELECT tokens_in FROM agent_runs WHERE id = 'r-3'")).isEqualTo(250);
        assertThat(Db.count(db, "SELECT tokens_out FROM agent_runs WHERE id = 'r-3'")).isEqualTo(25);
        assertThat(Db.count(db, "SELECT tokens_in FROM agent_iterations WHERE run_id = 'r-3' AND iteration = 3"))
                .isEqualTo(250);
        assertThat(Db.count(db, "SELECT sum(tokens_in) FROM agent_runs WHERE name = 'night'"))
                .as("the lineage's rows add up to what its runner counted").isEqualTo(1650);
        assertThat(Db.count(db, "SELECT tokens_in FROM agent_runs WHERE id = 'r-1'")).isEqualTo(1000);
    }
}
