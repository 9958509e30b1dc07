package dev.ccd.daemon.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.protocol.MessageCodec;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** How the row records map to columns: the column lists and a {@link RowMapper} per record. */
final class Rows {

    static final String RUN_COLUMNS = "id, name, template, args, status, provider, model, workdir, pid,"
            + " auto_approve, restart_of, restart_count, started_at, ended_at, last_iteration, tokens_in,"
            + " tokens_out, cost_usd, exit_code, error, sandbox, network, placement, slurm_job_id, placement_state";
    static final String ITERATION_COLUMNS = "run_id, iteration, started_at, ended_at, status, duration_s, summary,"
            + " tokens_in, tokens_out, cost_usd";
    static final String EVENT_COLUMNS = "id, ts, kind, run_id, payload_json";
    static final String TASK_COLUMNS = "run_id, task_id, command, status, exit_code, started_at, ended_at,"
            + " output_path";
    /** Of {@code permission_requests p LEFT JOIN agent_runs r}: the request with its run's name. */
    static final String PERMISSION_COLUMNS = "p.id, p.run_id, r.name, p.tool, p.input_json, p.rationale, p.status,"
            + " p.created_at, p.answered_at, p.reason";

    private static final ObjectMapper JSON = MessageCodec.mapper();

    private Rows() {
    }

    /**
     * Binds {@code params} to parameters 1..n. A null binds SQL NULL, a boolean 1 or 0; the
     * driver stores Strings, Integers, Longs and Doubles as their SQLite types.
     */
    static void bind(PreparedStatement st, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            st.setObject(i + 1, params[i] instanceof Boolean b ? (b ? 1 : 0) : params[i]);
        }
    }

    static RunRow run(ResultSet rs) throws SQLException {
        return new RunRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                RunStatus.fromDb(rs.getString(5)), rs.getString(6), rs.getString(7), rs.getString(8),
                nullableLong(rs, 9), rs.getInt(10) != 0, rs.getString(11), rs.getInt(12), rs.getString(13),
                rs.getString(14), rs.getInt(15), rs.getLong(16), rs.getLong(17), rs.getDouble(18),
                nullableInt(rs, 19), rs.getString(20), rs.getString(21), rs.getString(22), rs.getString(23),
                nullableLong(rs, 24), rs.getString(25), rs.getString(26), rs.getInt(27), rs.getLong(28), rs.getLong(29));
    }

    static IterationRow iteration(ResultSet rs) throws SQLException {
        return new IterationRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5),
                nullableDouble(rs, 6), rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getDouble(10));
    }

    static EventRow event(ResultSet rs) throws SQLException {
        return new EventRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
    }

    static TaskRow task(ResultSet rs) throws SQLException {
        return new TaskRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), nullableInt(rs, 5),
                rs.getString(6), rs.getString(7), rs.getString(8));
    }

    static PermissionRow permission(ResultSet rs) throws SQLException {
        return new PermissionRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                parse(rs.getString(5)), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                rs.getString(10));
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Double nullableDouble(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    private static Integer nullableInt(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    /** The JSON text parsed; a text node when it is not JSON, null when there is none. */
    static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }
}
