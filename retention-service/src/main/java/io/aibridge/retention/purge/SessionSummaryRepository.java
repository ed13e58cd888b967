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
     * One read of the summaries whose interceptions all started before the cutoff, the ones
     * {@link #deleteEmptied} removes once the purge has removed every interception that did, packed
     * into statements.
     *
     * @param batches the row ids (ctids) to delete, one list per statement
     * @param more    true when the read stopped at its limit and more such summaries may be left
     */
    public record Emptied(List<List<String>> batches, boolean more) {
    }

    /**
     * Reads up to {@code readLimit} summaries with {@code last_started_at} before the cutoff (a
     * summary's latest start, so nothing of their sessions is left once the purge has removed every
     * interception that started before it; read through {@code aibridge_sessions_last_started_covering}
     * in one pass) and packs them into statements of at most {@code perStatement} rows that hold whole
     * users: a user with more gets full statements of their own. Whole users keep the value-count
     * rows each delete updates and holds (schema V44's statement trigger, whose cost follows the
     * users in the statement) few; see {@link PurgeService#EMPTIED_SUMMARIES_PER_STATEMENT}.
     */
    public Emptied findEmptied(Connection connection, Instant cutoff, int readLimit, int perStatement) throws SQLException {
        List<UUID> users = new ArrayList<>();
        List<String> rowIds = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT initiator_id, ctid::text FROM aibridge_sessions
                WHERE last_started_at < ?
                ORDER BY initiator_id
                LIMIT ?
                """)) {
            statement.setObject(1, utc(cutoff));
            statement.setInt(2, readLimit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    users.add(rows.getObject(1, UUID.class));
                    rowIds.add(rows.getString(2));
                }
            }
        }
        return new Emptied(pack(users, rowIds, perStatement), rowIds.size() == readLimit);
    }

    /**
     * Packs row ids, in runs of one user each ({@code users[i]} owns {@code rowIds[i]}), into lists
     * of at most {@code perStatement} that never split a user, except a user with more than
     * {@code perStatement}, whose full lists are their own and whose rest starts the next list.
     */
    static List<List<String>> pack(List<UUID> users, List<String> rowIds, int perStatement) {
        List<List<String>> batches = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (int first = 0; first < users.size(); ) {
            int end = first;
            while (end < users.size() && users.get(end).equals(users.get(first))) {
                end++;
            }
            if (!current.isEmpty() && current.size() + (end - first) > perStatement) {
                batches.add(current);
                current = new ArrayList<>();
            }
            for (int from = first; from < end; from += perStatement) {
                List<String> part = rowIds.subList(from, Math.min(end, from + perStatement));
                if (part.size() == perStatement) {
                    batches.add(List.copyOf(part));
                } else {
                    current.addAll(part);
                }
            }
            first = end;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    /**
     * Deletes the summaries {@link #findEmptied} found, those still emptied: that is what
     * aibridge_refresh_sessions would conclude for them ("nothing visible left"), without probing
     * every remaining partition per session. A summary the recorder updated in between has another
     * ctid (its new row version) and is kept; a ctid reused by another row since is harmless, since
     * any row that matches the cutoff guard is emptied too.
     *
     * @return how many summaries it deleted
     */
    public long deleteEmptied(Connection connection, List<String> rowIds, Instant cutoff) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM aibridge_sessions WHERE ctid = ANY (?::text[]::tid[]) AND last_started_at < ?")) {
            statement.setArray(1, connection.createArrayOf("text", rowIds.toArray()));
            statement.setObject(2, utc(cutoff));
            return statement.executeUpdate();
        }
    }

    /** The sessions whose summary still covers something that started before the cutoff. */
    public List<SessionKey> startedBefore(Connection connection, Instant cutoff) throws SQLException {
        List<SessionKey> sessions = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT session_id, initiator_id FROM aibridge_sessions WHERE started_at < ?")) {
            statement.setObject(1, utc(cutoff));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    sessions.add(new SessionKey(rows.getString(1), rows.getObject(2, UUID.class)));
                }
            }
        }
        return sessions;
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
