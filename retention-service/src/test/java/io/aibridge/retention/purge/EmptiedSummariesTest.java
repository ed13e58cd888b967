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
 * The emptied summaries are read by row id and deleted in statements of at most a given size that
 * hold whole users: whatever the statement and read sizes and however many summaries share a
 * {@code last_started_at}, exactly those with nothing left after the cutoff are deleted, and each
 * user's value counts follow.
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
    void everyEmptiedSummaryIsDeletedAndNoOtherWhateverTheStatementAndReadSizes() throws SQLException {
        SessionSummaryRepository repository = new SessionSummaryRepository();
        // user 0 has four emptied summaries and user 1 three: whole users where they fit, a bigger one split
        Map<Integer, Integer> statementsOfOneRead = Map.of(1, 7, 2, 4, 3, 3, 4, 2, 7, 1, 1_000, 1);
        for (int perStatement : statementsOfOneRead.keySet()) {
            for (int readLimit : new int[]{1, 3, 7, 50_000}) {
                try (Connection c = database.connect()) {
                    List<String> kept = fill(c);
                    long deleted = 0;
                    int statements = 0;
                    SessionSummaryRepository.Emptied found;
                    do {
                        found = repository.findEmptied(c, CUTOFF, readLimit, perStatement);
                        for (List<String> batch : found.batches()) {
                            assertThat(batch).hasSizeLessThanOrEqualTo(perStatement);
                            deleted += repository.deleteEmptied(c, batch, CUTOFF);
                            statements++;
                        }
                    } while (found.more());

                    String sizes = perStatement + " per statement, " + readLimit + " per read";
                    assertThat(deleted).as("deleted with %s", sizes).isEqualTo(7);
                    if (readLimit >= 7) {
                        assertThat(statements).as("statements with %s", sizes).isEqualTo(statementsOfOneRead.get(perStatement));
                    }
                    assertThat(remaining(c)).as("kept with %s", sizes).containsExactlyInAnyOrderElementsOf(kept);
                    assertThat(modelCounts(c)).as("value counts with %s", sizes)
                            .containsExactlyInAnyOrderEntriesOf(Map.of(USERS[0], 1, USERS[1], 2));
                }
            }
        }
    }

    @Test
    void aSummaryTheRecorderUpdatedAfterTheReadIsKept() throws SQLException {
        SessionSummaryRepository repository = new SessionSummaryRepository();
        try (Connection c = database.connect()) {
            List<String> kept = new ArrayList<>(fill(c));
            SessionSummaryRepository.Emptied found = repository.findEmptied(c, CUTOFF, 50_000, 1_000);
            try (Statement s = c.createStatement()) {
                // a new interception of session 0 arrived: its summary row has a new version, and a new ctid
                s.executeUpdate("UPDATE aibridge_sessions SET last_started_at = '2026-03-01T00:00:05Z',"
                        + " last_active_at = '2026-03-01T00:00:05Z' WHERE session_id = 'session-0'");
                // and session 2's row changed without starting anything new: kept now, left for the refresh
                s.executeUpdate("UPDATE aibridge_sessions SET last_active_at = last_active_at WHERE session_id = 'session-2'");
            }
            long deleted = 0;
            for (List<String> batch : found.batches()) {
                deleted += repository.deleteEmptied(c, batch, CUTOFF);
            }
            kept.add("session-0");
            kept.add("session-2");

            assertThat(deleted).isEqualTo(5);
            assertThat(remaining(c)).containsExactlyInAnyOrderElementsOf(kept);
            assertThat(repository.findEmptied(c, CUTOFF, 50_000, 1_000).batches().stream().mapToInt(List::size).sum())
                    .as("emptied summaries read again").isEqualTo(1);
        }
    }

    @Test
    void statementsHoldWholeUsersAndABigUserGetsFullOnesOfTheirOwn() {
        UUID a = USERS[0];
        UUID b = USERS[1];
        UUID c = UUID.fromString("00000000-0000-0000-0000-00000000000c");
        UUID d = UUID.fromString("00000000-0000-0000-0000-00000000000d");
        List<UUID> users = List.of(a, a, b, c, c, c, c, c, d, d, d);
        List<String> rows = List.of("a1", "a2", "b1", "c1", "c2", "c3", "c4", "c5", "d1", "d2", "d3");

        assertThat(SessionSummaryRepository.pack(users, rows, 3)).containsExactly(
                List.of("a1", "a2", "b1"), List.of("c1", "c2", "c3"), List.of("c4", "c5"), List.of("d1", "d2", "d3"));
        assertThat(SessionSummaryRepository.pack(users, rows, 4)).containsExactly(
                List.of("a1", "a2", "b1"), List.of("c1", "c2", "c3", "c4"), List.of("c5", "d1", "d2", "d3"));
        assertThat(SessionSummaryRepository.pack(users, rows, 100)).containsExactly(rows);
        assertThat(SessionSummaryRepository.pack(List.of(), List.of(), 3)).isEmpty();
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
