package dev.ccd.daemon.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SqlWriter}'s connection and its statement cache. After a failure that may have
 * broken it (anything but a lock held by another process), it is closed and the next use opens
 * a new one through the {@link SqlWriter.Opener}, with the same pragmas: a connection that
 * answered "no transaction is active" once after a full disk would answer it forever.
 *
 * <p>Threading: the writer thread alone.
 */
final class WriteConnection {

    private static final Logger log = LoggerFactory.getLogger(SqlWriter.class);

    private final SqlWriter.Opener opener;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    /** Null once dropped: the next {@link #get} opens another. */
    private Connection connection;

    WriteConnection(SqlWriter.Opener opener) throws SQLException {
        this.opener = opener;
        get();
    }

    Connection get() throws SQLException {
        if (connection == null) {
            Connection c = opener.open();
            c.setAutoCommit(false);
            connection = c;
        }
        return connection;
    }

    /** The connection if open, else null (nothing is opened for an optional task). */
    Connection ifOpen() {
        return connection;
    }

    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement st = statements.get(sql);
        if (st == null) {
            st = get().prepareStatement(sql);
            statements.put(sql, st);
        }
        return st;
    }

    /** Rolls back what failed; keeps the connection only when {@code keep} and the rollback worked. */
    void rollbackOrDrop(boolean keep) {
        if (connection == null) {
            return;
        }
        try {
            connection.rollback();
            if (keep) {
                return;
            }
        } catch (SQLException e) {
            // the connection is what failed: drop it
        }
        close();
    }

    void close() {
        if (connection == null) {
            return;
        }
        for (PreparedStatement st : statements.values()) {
            try {
                st.close();
            } catch (SQLException e) {
                // closing the connection below frees it too
            }
        }
        statements.clear();
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing ccd.db: {}", e.getMessage());
        }
        connection = null;
    }
}
