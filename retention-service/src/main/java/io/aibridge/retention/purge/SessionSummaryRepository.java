package io.aibridge.retention.purge;

import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.aibridge.retention.purge.BoundaryDayRepository.utc;

/**
 * The session summaries ({@code aibridge_sessions}) a purge has to correct. A purge only removes
 * interceptions that started before the cutoff, and a summary covers the visible interceptions of
 * its session with {@code started_at} their earliest start and {@code last_started_at} their latest,
 * so the summaries a purge changes are exactly those with {@code started_at} before the cutoff.
 * Reading them from the summary table (indexed on {@code started_at}) instead of from the dropped
 * rows also repairs summaries left stale by an interrupted run.
 */
@ApplicationScoped
public class SessionSummaryRepository {

    /** One session in the lists: sessions are keyed by (session_id, initiator_id). */
    public record SessionKey(String sessionId, UUID initiatorId) {
    }

    /** How many summaries a purge at a cutoff touches, and how many of those it empties. */
    public record Affected(long touched, long emptied) {
    }

    /**
     * The users with summaries whose interceptions all started before the cutoff, the ones
     * {@link #deleteEmptied} removes once the purge has removed every interception that did.
     */
    public List<UUID> initiatorsWithEmptied(Connection connection, Instant cutoff) throws SQLException {
        return listBefore(connection, "SELECT DISTINCT initiator_id FROM aibridge_sessions WHERE last_started_at < ? ORDER BY initiator_id",
                cutoff, rows -> rows.getObject(1, UUID.class));
    }

    /**
     * Deletes up to {@code limit} of one user's summaries of sessions whose interceptions all
     * started before the cutoff, once the purge has removed every interception that did. That is
     * what aibridge_refresh_sessions would conclude for them ("nothing visible left"), without
     * probing every remaining partition per session. A summary's {@code last_started_at} is its
     * latest start, so these are the user's summaries with {@code last_started_at} before the
     * cutoff (found through the user's entries in {@code aibridge_sessions_initiator_activity_covering}).
     * One user at a time, because each delete also takes the deleted sessions away from their
     * user's value counts (schema V44): a statement over many users updated most count rows every
     * time, and held them, against the recorder, until it committed. A summary the recorder updates
     * in between is kept: its new row version has another ctid.
     *
     * @return how many summaries it deleted; fewer than {@code limit} when the user has no more
     */
    public long deleteEmptied(Connection connection, UUID initiator, Instant cutoff, int limit) throws SQLException {
        String sql = """
                DELETE FROM aibridge_sessions
                WHERE ctid = ANY (ARRAY(SELECT ctid FROM aibridge_sessions
                                        WHERE initiator_id = ? AND last_started_at < ?
                                        LIMIT ?))
                  AND last_started_at < ?
                """;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, initiator);
            statement.setObject(2, utc(cutoff));
            statement.setInt(3, limit);
            statement.setObject(4, utc(cutoff));
            return statement.executeUpdate();
        }
    }

    /** The sessions whose summary still covers something that started before the cutoff. */
    public List<SessionKey> startedBefore(Connection connection, Instant cutoff) throws SQLException {
        return listBefore(connection, "SELECT session_id, initiator_id FROM aibridge_sessions WHERE started_at < ?",
                cutoff, rows -> new SessionKey(rows.getString(1), rows.getObject(2, UUID.class)));
    }

    /** Reads one value of each row of a query whose only parameter is the cutoff. */
    private interface Row<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private static <T> List<T> listBefore(Connection connection, String sql, Instant cutoff, Row<T> row) throws SQLException {
        List<T> values = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, utc(cutoff));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(row.read(rows));
                }
            }
        }
        return values;
    }

    /**
     * Recomputes the summaries of {@code sessions} with aibridge_refresh_sessions, the single
     * definition of a summary, in one transaction that first takes their advisory locks (in the
     * shared order of aibridge_lock_sessions) so that it never interleaves with the recorder
     * refreshing the same sessions.
     *
     * @return how many of them have no summary any more (nothing visible is left)
     */
    public long refresh(Connection connection, List<SessionKey> sessions) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            Array sessionIds = connection.createArrayOf("text", sessions.stream().map(SessionKey::sessionId).toArray());
            Array initiatorIds = connection.createArrayOf("uuid", sessions.stream().map(SessionKey::initiatorId).toArray());
            long gone;
            try (PreparedStatement lock = connection.prepareStatement("SELECT aibridge_lock_sessions(?, ?)");
                 PreparedStatement refresh = connection.prepareStatement("SELECT aibridge_refresh_sessions(?, ?)");
                 PreparedStatement missing = connection.prepareStatement("""
                         SELECT count(*) FROM unnest(?::text[], ?::uuid[]) AS k(session_id, initiator_id)
                         WHERE NOT EXISTS (SELECT 1 FROM aibridge_sessions s
                                           WHERE s.session_id = k.session_id AND s.initiator_id = k.initiator_id)
                         """)) {
                for (PreparedStatement statement : List.of(lock, refresh, missing)) {
                    statement.setArray(1, sessionIds);
                    statement.setArray(2, initiatorIds);
                }
                lock.execute();
                refresh.execute();
                try (ResultSet row = missing.executeQuery()) {
                    row.next();
                    gone = row.getLong(1);
                }
            }
            connection.commit();
            return gone;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** For a dry run: summaries the purge would change, and how many of them it would remove. */
    public Affected countAffected(Connection connection, Instant cutoff) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT count(*), count(*) FILTER (WHERE last_started_at < ?)
                FROM aibridge_sessions WHERE started_at < ?
                """)) {
            statement.setObject(1, utc(cutoff));
            statement.setObject(2, utc(cutoff));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return new Affected(row.getLong(1), row.getLong(2));
            }
        }
    }
}
