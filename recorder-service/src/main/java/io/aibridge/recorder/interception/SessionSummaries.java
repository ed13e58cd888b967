package io.aibridge.recorder.interception;

import io.aibridge.recorder.sql.SqlArrays;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * Keeps {@code aibridge_sessions} current after a batch, in one call to
 * {@code aibridge_update_sessions} (schema V11): the facts the batch added (interceptions that
 * became visible, token usages and prompts it inserted) are added to their sessions' summaries,
 * so the cost follows the batch, not the length of the sessions; sessions that an already
 * visible interception left or joined are recomputed in full by {@code aibridge_refresh_sessions},
 * the one definition of a summary. Every session involved is locked first, in a fixed order, so
 * replicas and retention neither lose an update nor deadlock.
 */
final class SessionSummaries {

    private static final String UPDATE = """
            SELECT aibridge_update_sessions(?::text[], ?::uuid[], ?::text[], ?::uuid[], ?::uuid[], ?::timestamptz[],
                                            ?::uuid[], ?::timestamptz[], ?::uuid[], ?::timestamptz[])
            """;

    /** What a batch stored that summaries may have to reflect. */
    static final class Changes {
        final List<SessionKey> refresh = new ArrayList<>();
        /** One entry per already visible interception that stopped being a thread root in its session. */
        final List<SessionKey> unrooted = new ArrayList<>();
        final List<InterceptionBatch.RowKey> newlyVisible = new ArrayList<>();
        final List<InterceptionBatch.RowKey> tokenUsages = new ArrayList<>();
        final List<InterceptionBatch.RowKey> prompts = new ArrayList<>();

        boolean isEmpty() {
            return refresh.isEmpty() && unrooted.isEmpty() && newlyVisible.isEmpty() && tokenUsages.isEmpty()
                    && prompts.isEmpty();
        }
    }

    void update(Connection connection, Changes changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(UPDATE)) {
            SqlArrays.texts(statement, 1, changes.refresh.stream().map(SessionKey::sessionId).toList());
            SqlArrays.uuids(statement, 2, changes.refresh.stream().map(SessionKey::initiatorId).toList());
            SqlArrays.texts(statement, 3, changes.unrooted.stream().map(SessionKey::sessionId).toList());
            SqlArrays.uuids(statement, 4, changes.unrooted.stream().map(SessionKey::initiatorId).toList());
            bindKeys(statement, 5, changes.newlyVisible);
            bindKeys(statement, 7, changes.tokenUsages);
            bindKeys(statement, 9, changes.prompts);
            statement.execute();
        }
    }

    private static void bindKeys(PreparedStatement statement, int index, Collection<InterceptionBatch.RowKey> keys)
            throws SQLException {
        List<UUID> ids = new ArrayList<>(keys.size());
        List<java.time.Instant> starts = new ArrayList<>(keys.size());
        for (InterceptionBatch.RowKey key : keys) {
            ids.add(key.id());
            starts.add(key.startedAt());
        }
        SqlArrays.uuids(statement, index, ids);
        SqlArrays.times(statement, index + 1, starts);
    }
}
