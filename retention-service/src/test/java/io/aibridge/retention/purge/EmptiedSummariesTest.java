package io.aibridge.retention.purge;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emptied summaries go user by user, in statements of at most a given size: whatever the size
 * and however many summaries share a {@code last_started_at}, exactly those with nothing left
 * after the cutoff are deleted, and each user's value counts follow.
 */
class EmptiedSummariesTest {

    private static final Instant CUTOFF = Instant.parse("2026-03-01T00:00:00Z");
    private static final UUID[] USERS = {UUID.fromString("00000000-0000-0000-0000-00000000000a"),
            UUID.fromString("00000000-0000-0000-0000-00000000000b")};

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
    void everyEmptiedSummaryIsDeletedAndNoOtherWhateverTheStatementSize() throws SQLException {
        SessionSummaryRepository repository = new SessionSummaryRepository();
        for (int limit : new int[]{1, 2, 3, 1_000}) {
            try (Connection c = database.connect()) {
                List<String> kept = fill(c);
                List<UUID> initiators = repository.initiatorsWithEmptied(c, CUTOFF);
                long deleted = 0;
                int statements = 0;
                for (UUID initiator : initiators) {
                    long step;
                    do {
                        step = repository.deleteEmptied(c, initiator, CUTOFF, limit);
                        deleted += step;
                        statements++;
                    } while (step == limit);
                }

                assertThat(initiators).as("users with emptied summaries").containsExactlyInAnyOrder(USERS);
                assertThat(deleted).as("deleted with %d per statement", limit).isEqualTo(7);
                // user 0 has four emptied summaries and user 1 three; a user's last statement deletes fewer than the limit
                assertThat(statements).as("statements with %d per statement", limit).isEqualTo(4 / limit + 1 + 3 / limit + 1);
                assertThat(remaining(c)).as("kept with %d per statement", limit).containsExactlyInAnyOrderElementsOf(kept);
                assertThat(modelCounts(c)).as("value counts with %d per statement", limit)
                        .containsExactlyInAnyOrderEntriesOf(Map.of(USERS[0], 1, USERS[1], 2));
            }
        }
    }

    /**
     * Seven emptied summaries (three and two sharing a last start) and three that keep something,
     * of two users by turns (user 0 has summaries 0, 2, 4, ...); returns the kept ids.
     */
    private static List<String> fill(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("TRUNCATE aibridge_sessions");
        }
        Instant a = CUTOFF.minusSeconds(86_400 * 10);
        Instant b = CUTOFF.minusSeconds(86_400 * 5);
        Instant[][] spans = {
                {a.minusSeconds(60), a}, {a.minusSeconds(30), a}, {a, a},       // emptied, one last start
                {b.minusSeconds(60), b}, {b.minusSeconds(5), b},                 // emptied, another
                {a, CUTOFF.minusSeconds(1)}, {b, CUTOFF.minusMillis(1)},         // emptied, the latest just before
                {a, CUTOFF}, {b, CUTOFF.plusSeconds(60)}, {a, CUTOFF.plusSeconds(86_400)}}; // keep what started at or after
        List<String> kept = new ArrayList<>();
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO aibridge_sessions (session_id, initiator_id,"
                + " started_at, last_started_at, last_active_at, providers, models, clients, interceptions, threads)"
                + " VALUES (?, ?, ?, ?, ?, '{anthropic}', '{claude-sonnet-4-5}', '{Claude Code}', 1, 1)")) {
            for (int i = 0; i < spans.length; i++) {
                String id = "session-" + i;
                insert.setString(1, id);
                insert.setObject(2, USERS[i % 2]);
                insert.setObject(3, OffsetDateTime.ofInstant(spans[i][0], ZoneOffset.UTC));
                insert.setObject(4, OffsetDateTime.ofInstant(spans[i][1], ZoneOffset.UTC));
                insert.setObject(5, OffsetDateTime.ofInstant(spans[i][1], ZoneOffset.UTC));
                insert.addBatch();
                if (!spans[i][1].isBefore(CUTOFF)) {
                    kept.add(id);
                }
            }
            insert.executeBatch();
        }
        return kept;
    }

    /** Per user, how many summaries the model's value count holds (schema V44's triggers). */
    private static Map<UUID, Integer> modelCounts(Connection c) throws SQLException {
        Map<UUID, Integer> counts = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT initiator_id, sessions"
                + " FROM aibridge_session_value_counts WHERE kind = 'model' AND value = 'claude-sonnet-4-5'")) {
            while (rs.next()) {
                counts.put(rs.getObject(1, UUID.class), rs.getInt(2));
            }
        }
        return counts;
    }

    private static List<String> remaining(Connection c) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT session_id FROM aibridge_sessions")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
