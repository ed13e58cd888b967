package io.aibridge.retention.testdata;

import io.aibridge.retention.purge.PartitionedTable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/** Reads what is in the database, for assertions. */
public final class DatabaseState {

    private final RecorderStyleWriter.Connections connections;

    public DatabaseState(RecorderStyleWriter.Connections connections) {
        this.connections = connections;
    }

    public Set<UUID> interceptionIds() throws SQLException {
        Set<UUID> ids = new HashSet<>();
        try (Connection connection = connections.open(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id FROM aibridge_interceptions")) {
            while (rows.next()) {
                ids.add(rows.getObject(1, UUID.class));
            }
        }
        return ids;
    }

    public long rows(PartitionedTable table) throws SQLException {
        return single("SELECT count(*) FROM " + table.tableName());
    }

    public long rowsStartedBefore(PartitionedTable table, Instant instant) throws SQLException {
        try (Connection connection = connections.open();
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT count(*) FROM " + table.tableName() + " WHERE " + table.startColumn() + " < ?")) {
            statement.setObject(1, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** Rows per table; a fingerprint of the interception data. */
    public Map<PartitionedTable, Long> rowsPerTable() throws SQLException {
        Map<PartitionedTable, Long> rows = new TreeMap<>();
        for (PartitionedTable table : PartitionedTable.values()) {
            rows.put(table, rows(table));
        }
        return rows;
    }

    public long users() throws SQLException {
        return single("SELECT count(*) FROM aibridge_users");
    }

    public long apiKeys() throws SQLException {
        return single("SELECT count(*) FROM aibridge_api_keys");
    }

    /** The days of aibridge_day_partitions, with the number of tables that have each. */
    public Map<LocalDate, Integer> dayPartitions() throws SQLException {
        Map<LocalDate, Integer> days = new TreeMap<>();
        try (Connection connection = connections.open(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT day, cardinality(partitions) FROM aibridge_day_partitions")) {
            while (rows.next()) {
                days.put(rows.getObject(1, LocalDate.class), rows.getInt(2));
            }
        }
        return days;
    }

    /** Tables named like day partitions that are not (fully) attached: leftovers of a purge. */
    public List<String> strayPartitionTables() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = connections.open(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT c.relname FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
                     WHERE c.relkind = 'r' AND c.relname ~ '^aibridge_[a-z_]+_p[0-9]{8}$'
                       AND (i.inhrelid IS NULL OR i.inhdetachpending)
                     """)) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    /** Every session summary, keyed by "session_id/initiator_id", without updated_at. */
    public Map<String, Map<String, Object>> sessions() throws SQLException {
        try (Connection connection = connections.open()) {
            return readSessions(connection);
        }
    }

    /** One session summary, or null. */
    public Map<String, Object> session(String sessionId, UUID initiatorId) throws SQLException {
        return sessions().get(sessionId + "/" + initiatorId);
    }

    /**
     * The summaries as aibridge_refresh_sessions computes them from the rows that are there now,
     * for every session that has a summary or a visible interception; computed in a transaction
     * that is rolled back, so nothing changes.
     */
    public Map<String, Map<String, Object>> sessionsRecomputedFromRows() throws SQLException {
        try (Connection connection = connections.open()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("""
                        SELECT aibridge_refresh_sessions(array_agg(session_id), array_agg(initiator_id))
                        FROM (SELECT session_id, initiator_id FROM aibridge_sessions
                              UNION
                              SELECT session_id, initiator_id FROM aibridge_interceptions
                              WHERE ended_at IS NOT NULL AND initiator_id IS NOT NULL) keys
                        """);
                return readSessions(connection);
            } finally {
                connection.rollback();
            }
        }
    }

    private static Map<String, Map<String, Object>> readSessions(Connection connection) throws SQLException {
        Map<String, Map<String, Object>> sessions = new TreeMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT * FROM aibridge_sessions ORDER BY session_id, initiator_id")) {
            ResultSetMetaData columns = rows.getMetaData();
            while (rows.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns.getColumnCount(); i++) {
                    String name = columns.getColumnName(i);
                    if (name.equals("updated_at")) {
                        continue;
                    }
                    Object value = rows.getObject(i);
                    if (value instanceof java.sql.Array array) {
                        value = List.of((Object[]) array.getArray());
                    } else if (value != null && value.getClass().getName().equals("org.postgresql.util.PGobject")) {
                        value = value.toString();
                    } else if (value instanceof java.sql.Timestamp timestamp) {
                        value = timestamp.toInstant();
                    }
                    row.put(name, value);
                }
                sessions.put(rows.getString("session_id") + "/" + rows.getObject("initiator_id"), row);
            }
        }
        return sessions;
    }

    private long single(String sql) throws SQLException {
        try (Connection connection = connections.open(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }
}
