package dev.ccd.daemon.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The connection reads go through, beside the writer's (WAL lets them run while it writes); a
 * read sees only committed rows.
 *
 * <p>Threading: any thread; one query at a time, under the connection's monitor.
 */
final class ReadConnection implements AutoCloseable {

    private final Connection connection;

    ReadConnection(Connection connection) {
        this.connection = connection;
    }

    /** The rows of {@code sql}, its parameters bound in order (see {@link Rows#bind}). */
    <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        synchronized (connection) {
            try (PreparedStatement st = connection.prepareStatement(sql)) {
                Rows.bind(st, params);
                List<T> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(mapper.map(rs));
                    }
                }
                return rows;
            }
        }
    }

    <T> Optional<T> first(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        return query(sql, mapper, params).stream().findFirst();
    }

    @Override
    public void close() {
        synchronized (connection) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing left to lose: reads keep no state
            }
        }
    }
}
