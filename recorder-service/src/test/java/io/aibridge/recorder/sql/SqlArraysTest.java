package io.aibridge.recorder.sql;

import io.aibridge.testing.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.jdbc.PgConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every array type the recorder binds, against a real PostgreSQL, read back element by element:
 * once on a connection that sends them in binary (as the recorder's data source does), once on a
 * plain connection that sends their literals. Both must store exactly the same values.
 */
class SqlArraysTest {

    private static Database database;

    @BeforeAll
    static void startDatabase() {
        database = Database.start();
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
    }

    private static Connection connect(boolean binary) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", database.user());
        properties.setProperty("password", database.password());
        if (binary) {
            properties.setProperty("binaryTransferEnable", SqlArrays.BINARY_TRANSFER_OIDS);
        }
        return DriverManager.getConnection(database.jdbcUrl(), properties);
    }

    @Test
    void theBinaryPropertyCoversEveryArrayTypeBoundAndAPlainConnectionSendsLiterals() throws SQLException {
        try (Connection binary = connect(true); Connection plain = connect(false)) {
            for (BinaryArray.Type type : BinaryArray.Type.values()) {
                assertThat(binary.unwrap(PgConnection.class).binaryTransferSend(type.arrayOid)).as(type.name).isTrue();
            }
            // without the property the uuid[] and timestamptz[] arrays go as literals: the fallback is really used
            assertThat(plain.unwrap(PgConnection.class).binaryTransferSend(BinaryArray.Type.UUID.arrayOid)).isFalse();
            assertThat(plain.unwrap(PgConnection.class).binaryTransferSend(BinaryArray.Type.TIMESTAMPTZ.arrayOid)).isFalse();
        }
    }

    @ParameterizedTest(name = "binary: {0}")
    @ValueSource(booleans = {true, false})
    void uuids(boolean binary) throws SQLException {
        List<UUID> values = Arrays.asList(UUID.randomUUID(), null, new UUID(0, 0), new UUID(-1, -1), UUID.randomUUID());
        assertThat(roundTrip(binary, "uuid", values, (s, v) -> SqlArrays.uuids(s, 1, v), r -> r.getObject(1, UUID.class)))
                .isEqualTo(values);
    }

    @ParameterizedTest(name = "binary: {0}")
    @ValueSource(booleans = {true, false})
    void timesAreExactToTheMicrosecondOnBothSidesOfEachEpoch(boolean binary) throws SQLException {
        List<Instant> values = Arrays.asList(
                Instant.parse("2026-11-29T04:00:00.123456Z"),
                null,
                Instant.parse("1999-12-31T23:59:59.999999Z"),
                Instant.parse("2000-01-01T00:00:00Z"),
                Instant.parse("1969-12-31T23:59:59.000001Z"),
                Instant.parse("0001-01-01T00:00:00Z"),
                Instant.parse("2026-11-29T04:00:00.123456789Z"));
        List<Instant> expected = new ArrayList<>(values);
        expected.set(6, Instant.parse("2026-11-29T04:00:00.123457Z")); // PostgreSQL keeps microseconds, rounded
        assertThat(roundTrip(binary, "timestamptz", values, (s, v) -> SqlArrays.times(s, 1, v),
                r -> {
                    OffsetDateTime time = r.getObject(1, OffsetDateTime.class);
                    return time == null ? null : time.toInstant();
                }))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "binary: {0}")
    @ValueSource(booleans = {true, false})
    void longsIntsAndBooleans(boolean binary) throws SQLException {
        List<Long> longs = Arrays.asList(Long.MIN_VALUE, -1L, null, 0L, 1L << 40, Long.MAX_VALUE);
        assertThat(roundTrip(binary, "int8", longs, (s, v) -> SqlArrays.longs(s, 1, v), r -> r.getObject(1, Long.class)))
                .isEqualTo(longs);
        List<Integer> ints = Arrays.asList(Integer.MIN_VALUE, null, 0, 429, Integer.MAX_VALUE);
        assertThat(roundTrip(binary, "int4", ints, (s, v) -> SqlArrays.ints(s, 1, v), r -> r.getObject(1, Integer.class)))
                .isEqualTo(ints);
        List<Boolean> booleans = Arrays.asList(true, null, false);
        assertThat(roundTrip(binary, "bool", booleans, (s, v) -> SqlArrays.booleans(s, 1, v), r -> r.getObject(1, Boolean.class)))
                .isEqualTo(booleans);
    }

    @ParameterizedTest(name = "binary: {0}")
    @ValueSource(booleans = {true, false})
    void textsKeepEveryCharacterExceptNul(boolean binary) throws SQLException {
        List<String> values = Arrays.asList("plain", "", null, "NULL", "with \"quotes\", \\backslashes\\ and {braces}",
                "ünïcödé ✓ 🚀 日本語", " leading and trailing spaces ", "line\nbreak\ttab", "nul\u0000char");
        List<String> expected = new ArrayList<>(values);
        expected.set(8, "nul\uFFFDchar");
        assertThat(roundTrip(binary, "text", values, (s, v) -> SqlArrays.texts(s, 1, v), r -> r.getString(1)))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "binary: {0}")
    @ValueSource(booleans = {true, false})
    void emptyArrays(boolean binary) throws SQLException {
        assertThat(roundTrip(binary, "uuid", List.<UUID>of(), (s, v) -> SqlArrays.uuids(s, 1, v), r -> r.getObject(1))).isEmpty();
        assertThat(roundTrip(binary, "timestamptz", List.<Instant>of(), (s, v) -> SqlArrays.times(s, 1, v), r -> r.getObject(1))).isEmpty();
        assertThat(roundTrip(binary, "text", List.<String>of(), (s, v) -> SqlArrays.texts(s, 1, v), r -> r.getObject(1))).isEmpty();
        try (Connection connection = connect(binary);
             PreparedStatement s = connection.prepareStatement("SELECT ?::uuid[] = '{}'::uuid[], cardinality(?::int8[])")) {
            SqlArrays.uuids(s, 1, List.of());
            SqlArrays.longs(s, 2, List.of());
            try (ResultSet r = s.executeQuery()) {
                r.next();
                assertThat(r.getBoolean(1)).isTrue();
                assertThat(r.getInt(2)).isZero();
            }
        }
    }

    @ParameterizedTest(name = "binary: {0}")
    @ValueSource(booleans = {true, false})
    void severalArraysUnnestTogetherAsRows(boolean binary) throws SQLException {
        try (Connection connection = connect(binary); PreparedStatement s = connection.prepareStatement(
                "SELECT id, at, n, name FROM unnest(?::uuid[], ?::timestamptz[], ?::int8[], ?::text[]) AS r(id, at, n, name)")) {
            UUID id = UUID.randomUUID();
            SqlArrays.uuids(s, 1, Arrays.asList(id, null));
            SqlArrays.times(s, 2, Arrays.asList(null, Instant.parse("2026-01-02T03:04:05Z")));
            SqlArrays.longs(s, 3, List.of(7L, 8L));
            SqlArrays.texts(s, 4, List.of("a", "b"));
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getObject(1, UUID.class)).isEqualTo(id);
                assertThat(r.getObject(2)).isNull();
                assertThat(r.getLong(3)).isEqualTo(7L);
                assertThat(r.getString(4)).isEqualTo("a");
                assertThat(r.next()).isTrue();
                assertThat(r.getObject(1)).isNull();
                assertThat(r.getObject(2, OffsetDateTime.class).toInstant()).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
                assertThat(r.getLong(3)).isEqualTo(8L);
                assertThat(r.getString(4)).isEqualTo("b");
                assertThat(r.next()).isFalse();
            }
        }
    }

    private interface Binder<T> {
        void bind(PreparedStatement statement, List<T> values) throws SQLException;
    }

    private interface Column<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** Binds the values as one array and reads it back, element by element, in order. */
    private static <T, R> List<R> roundTrip(boolean binary, String type, List<T> values, Binder<T> binder, Column<R> column)
            throws SQLException {
        // Run it more often than the driver's prepare threshold (5): server-prepared statements bind the same way.
        List<R> read = null;
        try (Connection connection = connect(binary); PreparedStatement s = connection.prepareStatement(
                "SELECT x FROM unnest(?::" + type + "[]) WITH ORDINALITY AS a(x, n) ORDER BY n")) {
            for (int run = 0; run < 7; run++) {
                binder.bind(s, values);
                List<R> thisRun = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        thisRun.add(column.read(r));
                    }
                }
                assertThat(read == null || read.equals(thisRun)).as("run %d reads what run 0 read", run).isTrue();
                read = thisRun;
            }
        }
        return read;
    }
}
