package dev.ccd.daemon.store;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Makes one value of the current row of a result set. */
@FunctionalInterface
interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
}
