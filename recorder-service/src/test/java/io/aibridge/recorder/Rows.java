package io.aibridge.recorder;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Reads what the recorder stored, as plain maps (column name to value as text), so tests can
 * compare whole table snapshots and assert single columns.
 */
public final class Rows {

    private final DataSource dataSource;

    public Rows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Every row of the five interception tables for these interceptions, and the sessions of these initiators. */
    public Map<String, List<Map<String, String>>> snapshot(Collection<UUID> interceptions, Collection<UUID> initiators) {
        Map<String, List<Map<String, String>>> snapshot = new LinkedHashMap<>();
        UUID[] ids = interceptions.toArray(UUID[]::new);
        snapshot.put("interceptions", query("SELECT * FROM aibridge_interceptions WHERE id = ANY (?) ORDER BY id", (Object) ids));
        for (String table : List.of("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages", "aibridge_model_thoughts")) {
            snapshot.put(table, query("SELECT * FROM " + table + " WHERE interception_id = ANY (?) ORDER BY id", (Object) ids));
        }
        snapshot.put("sessions", sessions(initiators));
        return snapshot;
    }

    /** The session summaries of these initiators, without the refresh time. */
    public List<Map<String, String>> sessions(Collection<UUID> initiators) {
        List<Map<String, String>> sessions = query("SELECT * FROM aibridge_sessions WHERE initiator_id = ANY (?) "
                + "ORDER BY session_id, initiator_id", (Object) initiators.toArray(UUID[]::new));
        sessions.forEach(row -> row.remove("updated_at"));
        return sessions;
    }

    public Map<String, String> interception(UUID id) {
        List<Map<String, String>> rows = query("SELECT * FROM aibridge_interceptions WHERE id = ?", id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public List<Map<String, String>> children(String table, UUID interception) {
        return query("SELECT * FROM " + table + " WHERE interception_id = ? ORDER BY created_at, id", interception);
    }

    public List<Map<String, String>> query(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                Object p = parameters[i];
                if (p instanceof UUID[] uuids) {
                    s.setArray(i + 1, c.createArrayOf("uuid", uuids));
                } else if (p instanceof String[] texts) {
                    s.setArray(i + 1, c.createArrayOf("text", texts));
                } else {
                    s.setObject(i + 1, p);
                }
            }
            List<Map<String, String>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, String> row = new TreeMap<>();
                    for (int col = 1; col <= meta.getColumnCount(); col++) {
                        // timestamptz as an instant in UTC, whatever the session time zone
                        Object value = meta.getColumnTypeName(col).equals("timestamptz")
                                ? rs.getObject(col, java.time.OffsetDateTime.class) : rs.getObject(col);
                        row.put(meta.getColumnName(col), text(value));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** The rows that differ between two snapshots, per table, for assertion messages. */
    public static String difference(Map<String, List<Map<String, String>>> expected, Map<String, List<Map<String, String>>> actual) {
        StringBuilder out = new StringBuilder();
        for (String table : expected.keySet()) {
            List<Map<String, String>> missing = new ArrayList<>(expected.get(table));
            List<Map<String, String>> extra = new ArrayList<>(actual.getOrDefault(table, List.of()));
            missing.removeAll(actual.getOrDefault(table, List.of()));
            extra.removeAll(expected.get(table));
            if (!missing.isEmpty() || !extra.isEmpty()) {
                out.append(table).append(": expected but not found ").append(missing).append("; found but not expected ")
                        .append(extra).append('\n');
            }
        }
        return out.toString();
    }

    /** One text form per value, whether the driver read it in text or binary format. */
    private static String text(Object value) throws SQLException {
        if (value == null) {
            return null;
        }
        if (value instanceof java.time.OffsetDateTime time) {
            return time.toInstant().toString();
        }
        if (value instanceof java.sql.Array array) {
            return java.util.Arrays.toString((Object[]) array.getArray());
        }
        return value.toString();
    }

    public void execute(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                Object p = parameters[i];
                if (p instanceof UUID[] uuids) {
                    s.setArray(i + 1, c.createArrayOf("uuid", uuids));
                } else {
                    s.setObject(i + 1, p);
                }
            }
            s.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
