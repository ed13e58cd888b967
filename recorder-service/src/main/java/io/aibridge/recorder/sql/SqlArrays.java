package io.aibridge.recorder.sql;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.UUID;

/**
 * Binds Java collections as PostgreSQL arrays, so that one statement with {@code unnest(...)}
 * writes a whole batch: one round trip and one plan instead of one per row. Every array element
 * may be null.
 */
public final class SqlArrays {

    private SqlArrays() {
    }

    public static void uuids(PreparedStatement statement, int index, Collection<UUID> values) throws SQLException {
        bind(statement, index, "uuid", values.toArray());
    }

    public static void texts(PreparedStatement statement, int index, Collection<String> values) throws SQLException {
        bind(statement, index, "text", values.stream().map(Text::storable).toArray());
    }

    /** Times travel as RFC 3339 text; bind them to {@code ?::timestamptz[]}. Exact to the microsecond. */
    public static void times(PreparedStatement statement, int index, Collection<Instant> values) throws SQLException {
        bind(statement, index, "text", values.stream().map(t -> t == null ? null : t.toString()).toArray());
    }

    public static void longs(PreparedStatement statement, int index, Collection<Long> values) throws SQLException {
        bind(statement, index, "int8", values.toArray());
    }

    public static void ints(PreparedStatement statement, int index, Collection<Integer> values) throws SQLException {
        bind(statement, index, "int4", values.toArray());
    }

    public static void booleans(PreparedStatement statement, int index, Collection<Boolean> values) throws SQLException {
        bind(statement, index, "bool", values.toArray());
    }

    private static void bind(PreparedStatement statement, int index, String type, Object[] values) throws SQLException {
        Connection connection = statement.getConnection();
        Array array = connection.createArrayOf(type, values);
        statement.setArray(index, array);
    }
}
