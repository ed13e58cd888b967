package io.aibridge.query.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * A statement built from fragments, with every value bound as a parameter: nothing the caller sent
 * is ever spliced into SQL text. Values may be strings, UUIDs, instants, numbers, booleans, or
 * {@link TextArray} / {@link UuidArray} / {@link InstantArray} / {@link IntArray} for arrays.
 */
public final class Sql {

    /** A text[] parameter. */
    public record TextArray(List<String> values) {
    }

    /** A uuid[] parameter. */
    public record UuidArray(List<UUID> values) {
    }

    /** A timestamptz[] parameter. */
    public record InstantArray(List<Instant> values) {
    }

    /** An int4[] parameter. */
    public record IntArray(List<Integer> values) {
    }

    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    public Sql(String text, Object... params) {
        append(text, params);
    }

    /** Appends a fragment; its {@code ?} placeholders take the given values, in order. */
    public Sql append(String fragment, Object... values) {
        int placeholders = placeholders(fragment);
        if (placeholders != values.length) {
            throw new IllegalArgumentException(placeholders + " placeholders but " + values.length + " values in: " + fragment);
        }
        text.append(fragment);
        params.addAll(java.util.Arrays.asList(values));
        return this;
    }

    /** Counts {@code ?} outside string literals, as the driver does ({@code '^-?[0-9]+$'} holds none). */
    private static int placeholders(String fragment) {
        int count = 0;
        boolean literal = false;
        for (int i = 0; i < fragment.length(); i++) {
            char ch = fragment.charAt(i);
            if (ch == '\'') {
                literal = !literal;
            } else if (ch == '?' && !literal) {
                count++;
            }
        }
        return count;
    }

    public static TextArray texts(Collection<String> values) {
        return new TextArray(List.copyOf(values));
    }

    public static UuidArray uuids(Collection<UUID> values) {
        return new UuidArray(List.copyOf(values));
    }

    public static InstantArray instants(Collection<Instant> values) {
        return new InstantArray(List.copyOf(values));
    }

    public static IntArray ints(Collection<Integer> values) {
        return new IntArray(List.copyOf(values));
    }

    public String text() {
        return text.toString();
    }

    /** The values of the placeholders, in order. */
    public List<Object> params() {
        return java.util.Collections.unmodifiableList(params);
    }

    public PreparedStatement prepare(Connection connection) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(text.toString());
        try {
            for (int i = 0; i < params.size(); i++) {
                bind(connection, statement, i + 1, params.get(i));
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    private static void bind(Connection connection, PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.NULL);
        } else if (value instanceof String s) {
            statement.setString(index, s);
        } else if (value instanceof UUID u) {
            statement.setObject(index, u);
        } else if (value instanceof Instant t) {
            statement.setObject(index, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
        } else if (value instanceof Integer n) {
            statement.setInt(index, n);
        } else if (value instanceof Long n) {
            statement.setLong(index, n);
        } else if (value instanceof Boolean b) {
            statement.setBoolean(index, b);
        } else if (value instanceof TextArray a) {
            statement.setArray(index, connection.createArrayOf("text", a.values().toArray()));
        } else if (value instanceof UuidArray a) {
            statement.setArray(index, connection.createArrayOf("uuid", a.values().toArray()));
        } else if (value instanceof InstantArray a) {
            // ISO-8601 text, which PostgreSQL parses as timestamptz exactly (microseconds kept)
            Object[] times = a.values().stream().map(Instant::toString).toArray();
            statement.setArray(index, connection.createArrayOf("timestamptz", times));
        } else if (value instanceof IntArray a) {
            statement.setArray(index, connection.createArrayOf("int4", a.values().toArray()));
        } else {
            throw new IllegalArgumentException("cannot bind " + value.getClass().getName());
        }
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
