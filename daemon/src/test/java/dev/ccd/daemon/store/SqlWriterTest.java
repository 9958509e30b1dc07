package dev.ccd.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlWriterTest {

    @TempDir
    Path tmp;

    @Test
    void anAtomicPartThatFailsHalfwayLeavesNothingAndItsHooksDoNotRunWhileTheRestOfTheBatchCommits() throws Exception {
        Path db = tmp.resolve("t.db");
        try (Connection setup = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            setup.createStatement().execute("CREATE TABLE t(x INTEGER)");
        }
        List<String> hooks = new CopyOnWriteArrayList<>();
        try (SqlWriter writer = new SqlWriter(DriverManager.getConnection("jdbc:sqlite:" + db))) {
            var failed = writer.submit(tx -> tx.atomically(t -> {
                t.prepare("INSERT INTO t VALUES (1)").executeUpdate();
                t.afterCommit(() -> hooks.add("first half"));
                throw new SQLException("the second half fails");
            }));
            var kept = writer.submit(tx -> tx.atomically(t -> {
                t.prepare("INSERT INTO t VALUES (2)").executeUpdate();
                t.afterCommit(() -> hooks.add("kept"));
                return null;
            }));

            assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class).hasMessageContaining("second half");
            kept.get();
        }
        try (Connection check = DriverManager.getConnection("jdbc:sqlite:" + db);
                var rs = check.createStatement().executeQuery("SELECT group_concat(x) FROM t")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("2");
        }
        assertThat(hooks).containsExactly("kept");
    }
}
