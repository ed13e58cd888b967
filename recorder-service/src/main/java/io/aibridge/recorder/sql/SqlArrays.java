package io.aibridge.recorder.sql;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Binds Java collections as PostgreSQL arrays, so that one statement with {@code unnest(...)}
 * writes a whole batch: one round trip and one plan instead of one per row. Every array element
 * may be null. Arrays travel in PostgreSQL's binary format where the connection allows it
 * ({@link BinaryArray}).
 */
public final class SqlArrays {

    /**
     * The array types {@link SqlArrays} binds, by oid, for the driver's {@code binaryTransferEnable}
     * property: uuid[], timestamptz[], int8[], int4[], bool[] and text[].
     */
    public static final String BINARY_TRANSFER_OIDS = Arrays.stream(BinaryArray.Type.values())
            .map(type -> String.valueOf(type.arrayOid)).collect(Collectors.joining(","));

    private SqlArrays() {
    }

    public static void uuids(PreparedStatement statement, int index, Collection<UUID> values) throws SQLException {
        bind(statement, index, BinaryArray.Type.UUID, values);
    }

    public static void texts(PreparedStatement statement, int index, Collection<String> values) throws SQLException {
        bind(statement, index, BinaryArray.Type.TEXT, values.stream().map(Text::storable).toList());
    }

    /** Bind to {@code ?::timestamptz[]}. Exact to the microsecond. */
    public static void times(PreparedStatement statement, int index, Collection<Instant> values) throws SQLException {
        bind(statement, index, BinaryArray.Type.TIMESTAMPTZ, values);
    }

    public static void longs(PreparedStatement statement, int index, Collection<Long> values) throws SQLException {
        bind(statement, index, BinaryArray.Type.INT8, values);
    }

    public static void ints(PreparedStatement statement, int index, Collection<Integer> values) throws SQLException {
        bind(statement, index, BinaryArray.Type.INT4, values);
    }

    public static void booleans(PreparedStatement statement, int index, Collection<Boolean> values) throws SQLException {
        bind(statement, index, BinaryArray.Type.BOOL, values);
    }

    private static void bind(PreparedStatement statement, int index, BinaryArray.Type type, Collection<?> values)
            throws SQLException {
        statement.setObject(index, new BinaryArray(type, values));
    }
}
