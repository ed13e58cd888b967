package io.aibridge.schema;

import io.aibridge.testing.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The migrations apply to a real PostgreSQL, and the partitioning and derived columns behave as documented. */
class SchemaMigrationTest {

    private static Database database;

    @BeforeAll
    static void migrate() {
        database = Database.start().migrate();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void ensuringDayPartitionsCreatesOnePerTableAndDayAndIsIdempotent() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SELECT aibridge_ensure_day_partitions('2026-01-01', '2026-01-03')")).isEqualTo(15);
            assertThat(scalar(s, "SELECT aibridge_ensure_day_partitions('2026-01-02', '2026-01-04')")).isEqualTo(5);
            List<String> days = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT day, cardinality(partitions) FROM aibridge_day_partitions "
                    + "WHERE day BETWEEN '2026-01-01' AND '2026-01-31' ORDER BY day")) {
                while (rs.next()) {
                    assertThat(rs.getInt(2)).isEqualTo(5);
                    days.add(rs.getString(1));
                }
            }
            assertThat(days).containsExactly("2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04");
        }
    }

    @Test
    void aRowGoesToThePartitionOfItsUtcDay() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-02-01', '2026-02-02')");
            UUID id = UUID.randomUUID();
            insertInterception(c, id, Instant.parse("2026-02-01T23:59:59.999999Z"), null, null);
            try (ResultSet rs = s.executeQuery("SELECT tableoid::regclass FROM aibridge_interceptions WHERE id = '" + id + "'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("aibridge_interceptions_p20260201");
            }
        }
    }

    @Test
    void aRowForADayWithoutPartitionIsRefused() throws SQLException {
        try (Connection c = database.connect()) {
            assertThatThrownBy(() -> insertInterception(c, UUID.randomUUID(), Instant.parse("1999-01-01T00:00:00Z"), null, null))
                    .hasMessageContaining("no partition");
        }
    }

    @Test
    void sessionIdIsTheClientSessionIdElseTheThreadRootElseTheInterceptionId() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-03-01', '2026-03-01')");
            Instant at = Instant.parse("2026-03-01T10:00:00Z");
            UUID root = UUID.randomUUID();
            UUID child = UUID.randomUUID();
            UUID withClientSession = UUID.randomUUID();
            insertInterception(c, root, at, null, null);
            insertInterception(c, child, at, null, root);
            insertInterception(c, withClientSession, at, "claude-session-1", root);
            assertThat(sessionId(s, root)).isEqualTo(root.toString());
            assertThat(sessionId(s, child)).isEqualTo(root.toString());
            assertThat(sessionId(s, withClientSession)).isEqualTo("claude-session-1");
        }
    }

    private static String sessionId(Statement s, UUID id) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT session_id FROM aibridge_interceptions WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void insertInterception(Connection c, UUID id, Instant startedAt, String clientSessionId, UUID root)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_interceptions "
                + "(id, started_at, initiator_id, provider, model, client_session_id, thread_root_id) "
                + "VALUES (?, ?, ?, 'anthropic', 'claude-sonnet-4-5', ?, ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC));
            ps.setObject(3, UUID.randomUUID());
            ps.setString(4, clientSessionId);
            ps.setObject(5, root);
            ps.executeUpdate();
        }
    }

    private static long scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
