package io.aibridge.bench.sessions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The sessions list answered the straightforward way, as the baseline the summary table has to
 * beat: group the visible raw interception rows (with their token usages and latest prompts) by
 * (session id, initiator) on every request, keep the groups that match the filter, sort by last
 * activity and cut one page, with the total count. Same order and the same fields as the API.
 */
public final class RawSessionQuery {

    /** A position in the list order, for keyset paging. */
    public record Cursor(Instant lastActiveAt, String sessionId, UUID initiatorId) {
    }

    /** One page: the keys in order, and the total number of matching sessions. */
    public record Page(List<String> sessionIds, long count) {
    }

    private RawSessionQuery() {
    }

    public static String sql(SessionFilter filter, boolean cursor) {
        String where = filter.sql() != null && filter.sessionWide() ? " AND (" + filter.sql() + ")" : "";
        String having = filter.sql() != null && !filter.sessionWide() ? " HAVING bool_or(" + filter.sql() + ")" : "";
        return "WITH agg AS ("
                + " SELECT v.session_id, v.initiator_id, min(v.started_at) AS started_at, max(v.ended_at) AS ended_at,"
                + " array_agg(DISTINCT v.provider) AS providers, array_agg(DISTINCT v.model) AS models,"
                + " count(*) FILTER (WHERE v.thread_root_id IS NULL) AS threads,"
                + " coalesce(sum(t.input_tokens), 0) AS input_tokens, coalesce(sum(t.output_tokens), 0) AS output_tokens,"
                + " coalesce(sum(t.cache_read), 0) AS cache_read_input_tokens, coalesce(sum(t.cache_write), 0) AS cache_write_input_tokens,"
                + " coalesce(max(p.created_at), min(v.started_at)) AS last_active_at,"
                + " (array_agg(p.prompt ORDER BY p.created_at DESC, p.id DESC) FILTER (WHERE p.prompt IS NOT NULL))[1] AS last_prompt"
                + " FROM aibridge_interceptions v"
                + " LEFT JOIN (SELECT interception_id, interception_started_at, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,"
                + "   sum(cache_read_input_tokens) AS cache_read, sum(cache_write_input_tokens) AS cache_write"
                + "   FROM aibridge_token_usages GROUP BY interception_id, interception_started_at) t"
                + "   ON t.interception_id = v.id AND t.interception_started_at = v.started_at"
                + " LEFT JOIN (SELECT DISTINCT ON (interception_id, interception_started_at) interception_id, interception_started_at, id, prompt, created_at"
                + "   FROM aibridge_user_prompts ORDER BY interception_id, interception_started_at, created_at DESC, id DESC) p"
                + "   ON p.interception_id = v.id AND p.interception_started_at = v.started_at"
                + " WHERE v.ended_at IS NOT NULL AND v.initiator_id IS NOT NULL" + where
                + " GROUP BY v.session_id, v.initiator_id" + having + ")"
                + " SELECT a.*, u.username, (SELECT count(*) FROM agg) AS total"
                + " FROM agg a LEFT JOIN aibridge_users u ON u.id = a.initiator_id"
                + (cursor ? " WHERE (a.last_active_at, a.session_id, a.initiator_id) < (?, ?, ?)" : "")
                + " ORDER BY a.last_active_at DESC, a.session_id DESC, a.initiator_id DESC LIMIT ?";
    }

    public static Page page(Connection c, SessionFilter filter, Cursor cursor, int limit) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql(filter, cursor != null))) {
            int i = 1;
            if (filter.sql() != null) {
                for (Object bind : filter.binds()) {
                    s.setObject(i++, bind instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : bind);
                }
            }
            if (cursor != null) {
                s.setObject(i++, OffsetDateTime.ofInstant(cursor.lastActiveAt(), ZoneOffset.UTC));
                s.setString(i++, cursor.sessionId());
                s.setObject(i++, cursor.initiatorId());
            }
            s.setInt(i, limit);
            List<String> ids = new ArrayList<>();
            long count = 0;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString("session_id"));
                    count = rs.getLong("total");
                }
            }
            if (ids.isEmpty() && cursor == null) {
                count = 0;
            }
            return new Page(ids, count);
        }
    }
}
