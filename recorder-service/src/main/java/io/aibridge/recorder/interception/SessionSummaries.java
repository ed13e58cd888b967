package io.aibridge.recorder.interception;

import io.aibridge.recorder.sql.SqlArrays;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps {@code aibridge_sessions} current. The summary of a session is defined once, in SQL
 * ({@code aibridge_refresh_sessions}); this class finds the sessions a batch touched and calls
 * {@code aibridge_refresh_sessions_locked}, which first takes each session's advisory lock in a
 * fixed order so that replicas (and retention) refreshing the same session neither lose an update
 * nor deadlock.
 */
final class SessionSummaries {

    /** The visible sessions of the given interceptions, as they are now in this transaction. */
    private static final String SESSIONS_OF = """
            SELECT DISTINCT i.session_id, i.initiator_id
            FROM aibridge_interceptions i
            WHERE i.id = ANY (?::uuid[])
              AND i.started_at >= ?::timestamptz AND i.started_at <= ?::timestamptz
              AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            """;

    private static final String REFRESH = "SELECT aibridge_refresh_sessions_locked(?::text[], ?::uuid[])";

    /** Sessions that contain one of the interceptions and are visible. */
    Set<SessionKey> sessionsOf(Connection connection, Collection<InterceptionBatch.RowKey> interceptions) throws SQLException {
        Set<SessionKey> sessions = new LinkedHashSet<>();
        if (interceptions.isEmpty()) {
            return sessions;
        }
        List<UUID> ids = new ArrayList<>(interceptions.size());
        Instant first = null;
        Instant last = null;
        for (InterceptionBatch.RowKey key : interceptions) {
            ids.add(key.id());
            first = first == null || key.startedAt().isBefore(first) ? key.startedAt() : first;
            last = last == null || key.startedAt().isAfter(last) ? key.startedAt() : last;
        }
        try (PreparedStatement statement = connection.prepareStatement(SESSIONS_OF)) {
            SqlArrays.uuids(statement, 1, ids);
            statement.setString(2, first.toString());
            statement.setString(3, last.toString());
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    sessions.add(new SessionKey(rs.getString(1), rs.getObject(2, UUID.class)));
                }
            }
        }
        return sessions;
    }

    /** Recomputes the summaries of these sessions (and deletes those with nothing visible left). */
    void refresh(Connection connection, Collection<SessionKey> sessions) throws SQLException {
        if (sessions.isEmpty()) {
            return;
        }
        List<String> sessionIds = new ArrayList<>(sessions.size());
        List<UUID> initiators = new ArrayList<>(sessions.size());
        for (SessionKey key : sessions) {
            sessionIds.add(key.sessionId());
            initiators.add(key.initiatorId());
        }
        try (PreparedStatement statement = connection.prepareStatement(REFRESH)) {
            SqlArrays.texts(statement, 1, sessionIds);
            SqlArrays.uuids(statement, 2, initiators);
            statement.execute();
        }
    }
}
