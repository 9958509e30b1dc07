package dev.ccd.daemon.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code ccd.db} the way a user would: its own connection, plain SQL. */
public final class Db {
    private Db() {
    }

    public static List<Map<String, Object>> query(Path db, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnName(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public static Object scalar(Path db, String sql) {
        List<Map<String, Object>> rows = query(db, sql);
        return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
    }

    public static long count(Path db, String sql) {
        Object v = scalar(db, sql);
        return v == null ? 0 : ((Number) v).longValue();
    }
}
