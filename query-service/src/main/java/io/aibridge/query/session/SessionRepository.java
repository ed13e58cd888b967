package io.aibridge.query.session;

import io.aibridge.query.access.Caller;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.db.Rows;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.db.TextBudget;
import io.aibridge.query.db.TextBudget.Source;
import io.aibridge.query.db.TextLimits;
import io.aibridge.query.search.FilterSql;
import io.aibridge.query.search.Filters;
import io.aibridge.query.search.Values;
import io.aibridge.query.user.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sessions list, served from the {@code aibridge_sessions} summaries (one row per session id and
 * initiator, kept current by the recorder) with keyset paging on their activity indexes, so that no
 * request aggregates raw rows of more sessions than it returns.
 *
 * <p>Filters select individual interceptions and a session matches when any of its visible
 * interceptions matches all of them. The summary answers that exactly for a single provider, model
 * or client filter (its distinct-value arrays, GIN-indexed). For time filters and combinations it
 * answers "certainly" or "certainly not" for most sessions (a session lying wholly inside the time
 * range, or whose arrays hold only the filtered value) and an {@code EXISTS} probe over that
 * session's interceptions, pruned to its own days, settles the rest. The fields that are defined over
 * the matching interceptions (started_at, ended_at, threads) are then computed for the page's
 * sessions only.
 */
@ApplicationScoped
public class SessionRepository {

    /**
     * Summary columns and the initiator's user row, for {@code FROM aibridge_sessions s LEFT JOIN aibridge_users u};
     * of the metadata and the last prompt only their sizes (see {@link TextBudget}).
     */
    static String columns() {
        return "s.session_id, s.initiator_id, s.started_at, s.last_started_at, s.ended_at,"
                + " s.last_active_at, s.providers, s.models, s.client, " + TextBudget.jsonChars("s.metadata", "metadata_chars")
                + ", s.threads,"
                + " s.input_tokens, s.output_tokens, s.cache_read_input_tokens, s.cache_write_input_tokens,"
                + " octet_length(s.last_prompt) AS last_prompt_bytes, u.username, u.name, u.avatar_url";
    }

    private static final String ORDER = " ORDER BY s.last_active_at DESC, s.session_id DESC, s.initiator_id DESC";

    private final Snapshots snapshots;
    private final UserDirectory users;
    private final TextLimits texts;
    private final AtomicLong counts = new AtomicLong();

    public SessionRepository(Snapshots snapshots, UserDirectory users, TextLimits texts) {
        this.snapshots = snapshots;
        this.users = users;
        this.texts = texts;
    }

    /**
     * A summary row; of the metadata and the last prompt only their sizes (see {@link TextBudget}), -1
     * when NULL.
     */
    record Summary(String sessionId, UUID initiatorId, Instant startedAt, Instant lastStartedAt, Instant endedAt,
                   Instant lastActiveAt, List<String> providers, List<String> models, String client, long metadataChars,
                   long threads, TokenUsageSummary tokens, long lastPromptBytes,
                   String username, String name, String avatarUrl) {
    }

    /** The fields of a session computed over its interceptions that matched the filters. */
    private record Matched(Instant startedAt, Instant endedAt, long threads) {
    }

    /** A position in the list order. */
    private record Position(Instant lastActiveAt, String sessionId, UUID initiatorId) {
    }

    /**
     * One page of the sessions list and the number of sessions that match, from one snapshot.
     *
     * @param afterSessionId   keyset cursor: the id of the last session of the previous page, or null
     * @param afterInitiatorId that session's initiator, or null (needed only when several users share the id)
     * @param includeCount     whether to count every matching session (the page's {@code count}); a walk
     *                         needs it once, and it reads every visible match, so later pages skip it
     */
    public SessionPage list(Caller caller, Filters filters, int limit, int offset, String afterSessionId, UUID afterInitiatorId,
                            boolean includeCount) {
        return snapshots.read(c -> {
            Position cursor = afterSessionId == null ? null : position(c, caller, filters, afterSessionId, afterInitiatorId);
            Long count = null;
            if (includeCount) {
                counts.incrementAndGet();
                count = count(c, caller, filters);
            }
            // how the page is found depends on how many sessions match; without the count, on whether
            // at least collectBelow do, which stops reading there
            long matches = count != null ? count : matchesUpTo(c, caller, filters, collectBelow);
            List<Summary> rows = count != null && count == 0 ? List.of() : page(c, caller, filters, matches, limit, offset, cursor);
            Map<String, Matched> matched = filters.selectsInterceptions() && !rows.isEmpty()
                    ? matched(c, rows, filters) : Map.of();
            TextBudget budget = texts.budget();
            List<TextBudget.Field> metadata = new ArrayList<>(rows.size());
            List<TextBudget.Field> prompts = new ArrayList<>(rows.size());
            // in the order the response shows them: the budget goes to the first ones
            for (Summary row : rows) {
                TextBudget.Field meta = budget.field(Source.SESSION_METADATA, row.sessionId(), row.initiatorId(), row.metadataChars());
                budget.allow(meta);
                metadata.add(meta);
                TextBudget.Field prompt = budget.field(Source.SESSION_LAST_PROMPT, row.sessionId(), row.initiatorId(), row.lastPromptBytes());
                budget.allow(prompt);
                prompts.add(prompt);
            }
            budget.load(c);
            List<SessionView> sessions = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Summary row = rows.get(i);
                Matched m = matched.get(key(row.sessionId(), row.initiatorId()));
                sessions.add(view(row, m, metadata.get(i), prompts.get(i)));
            }
            return new SessionPage(count, sessions);
        });
    }

    private SessionView view(Summary row, Matched matched, TextBudget.Field metadata, TextBudget.Field lastPrompt) {
        return new SessionView(row.sessionId(),
                users.initiator(row.initiatorId(), row.username(), row.name(), row.avatarUrl()),
                row.providers(), row.models(),
                client(row.client()), metadata.object(), metadata.truncated(),
                matched == null ? row.startedAt() : matched.startedAt(),
                matched == null ? row.endedAt() : matched.endedAt(),
                matched == null ? row.threads() : matched.threads(),
                row.tokens(), lastPrompt.text(), lastPrompt.truncated(), row.lastActiveAt());
    }

    /**
     * The cursor session's position: the visible summary with this session id and the given
     * initiator; without one, the only visible summary with this id, or the one the initiator filter
     * picks. Two users may share a client session id, and resolving the id alone to either of their
     * rows would let a walk that ends a page on the other one repeat the same page forever, so that
     * is a 400 asking for the initiator.
     */
    private Position position(Connection c, Caller caller, Filters filters, String sessionId, UUID initiatorId) throws SQLException {
        UUID wanted = initiatorId != null ? initiatorId : filters.initiator();
        Sql sql = new Sql("SELECT s.last_active_at, s.session_id, s.initiator_id, count(*) OVER () AS users"
                + " FROM aibridge_sessions s WHERE s.session_id = ?", sessionId);
        caller.restrictedTo().ifPresent(id -> sql.append(" AND s.initiator_id = ?", id));
        if (wanted != null) {
            sql.append(" ORDER BY (s.initiator_id = ?) DESC LIMIT 1", wanted);
        } else {
            sql.append(" LIMIT 1");
        }
        String session = Values.printable(sessionId);
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                throw ApiException.badRequest("Query parameter has invalid value.", "after_session_id",
                        "after_session_id: session \"" + session + "\" not found");
            }
            Position found = new Position(Rows.instant(rs, "last_active_at"), rs.getString("session_id"), Rows.uuid(rs, "initiator_id"));
            long users = rs.getLong("users");
            if (initiatorId != null && !initiatorId.equals(found.initiatorId())) {
                throw ApiException.badRequest("Query parameter has invalid value.", "after_initiator_id",
                        "after_initiator_id: session \"" + session + "\" of user \"" + initiatorId + "\" not found");
            }
            if (users > 1 && !found.initiatorId().equals(wanted)) {
                throw ApiException.badRequest("Query parameter has invalid value.", "after_session_id",
                        "after_session_id: session \"" + session + "\" belongs to " + users + " users; add after_initiator_id,"
                                + " the initiator.id of the last session on the previous page");
            }
            return found;
        }
    }

    /**
     * The number of matching sessions. A lone provider, model or client filter is the sum of
     * {@code aibridge_session_value_counts} (V44), kept by triggers on the summaries: at most one row
     * per user instead of a table page per matching summary.
     */
    private long count(Connection c, Caller caller, Filters filters) throws SQLException {
        String[] value = filters.singleValueFilter();
        Sql sql = value != null
                ? new Sql("SELECT coalesce(sum(s.sessions), 0) FROM aibridge_session_value_counts s WHERE s.kind = ? AND s.value = ?",
                        value[0], value[1])
                : new Sql("SELECT count(*) FROM aibridge_sessions s WHERE TRUE");
        if (value != null) {
            caller.restrictedTo().ifPresent(id -> sql.append(" AND s.initiator_id = ?", id));
            if (filters.initiator() != null) {
                sql.append(" AND s.initiator_id = ?", filters.initiator());
            }
        } else {
            where(sql, caller, filters);
        }
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The number of matching sessions, but no more than {@code max}: enough to choose how the page is
     * found ({@link #page}) without reading every match. A lone provider, model or client filter is
     * counted exactly, as that count reads at most one row per user.
     */
    private long matchesUpTo(Connection c, Caller caller, Filters filters, long max) throws SQLException {
        if (filters.singleValueFilter() != null) {
            return count(c, caller, filters);
        }
        Sql sql = new Sql("SELECT count(*) FROM (SELECT 1 FROM aibridge_sessions s WHERE TRUE");
        where(sql, caller, filters);
        sql.append(" LIMIT ?) m", max);
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** For tests: how many times the matching sessions have been counted for a page's {@code count}. */
    long counts() {
        return counts.get();
    }

    /**
     * Below this many matching sessions the page's keys are all collected and the top sorted; at
     * or above it they are found by walking an activity index in list order.
     */
    static final long COLLECT_BELOW = 20_000;

    private volatile long collectBelow = COLLECT_BELOW;

    /**
     * The page in two steps: the keys, then the summary rows and users of those keys only. The keys
     * come from indexes alone (every column the filters read is in them, V20 and V41), in one of two
     * ways, chosen by the count just taken:
     * <ul>
     *   <li>many matches: walk the activity index in list order until the page is full. Matches
     *       are then dense enough that the walk is short, and it never reads more than the index;</li>
     *   <li>few matches: collect them all through the index that serves the filter (its time range,
     *       its arrays) and sort the top. The walk would skip a whole index of non-matching entries
     *       to reach matches that lie together at its far end, as the sessions started before a
     *       date do (100,000 sessions, 7,700 started in the first week: 18 ms walked, 5 ms collected).</li>
     * </ul>
     * The {@code OFFSET 0} keeps the planner from turning the collection back into the walk.
     */
    private List<Summary> page(Connection c, Caller caller, Filters filters, long count, int limit, int offset,
                               Position cursor) throws SQLException {
        boolean collect = count < collectBelow;
        Sql sql = new Sql("WITH page AS (SELECT s.last_active_at, s.session_id, s.initiator_id FROM "
                + (collect ? "(SELECT s.last_active_at, s.session_id, s.initiator_id FROM " : "")
                + "aibridge_sessions s WHERE TRUE");
        where(sql, caller, filters);
        if (cursor != null) {
            sql.append(" AND (s.last_active_at, s.session_id, s.initiator_id) < (?, ?, ?)",
                    cursor.lastActiveAt(), cursor.sessionId(), cursor.initiatorId());
        }
        if (collect) {
            sql.append(" OFFSET 0) s");
        }
        sql.append(ORDER + " LIMIT ? OFFSET ?)", limit, offset);
        sql.append(" SELECT " + columns() + " FROM page p"
                + " JOIN aibridge_sessions s ON s.session_id = p.session_id AND s.initiator_id = p.initiator_id"
                + " LEFT JOIN aibridge_users u ON u.id = s.initiator_id"
                + " ORDER BY p.last_active_at DESC, p.session_id DESC, p.initiator_id DESC");
        List<Summary> rows = new ArrayList<>();
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                rows.add(summary(rs));
            }
        }
        return rows;
    }

    /** For tests: the threshold between the two ways of finding a page (0: always walk). */
    void collectBelow(long threshold) {
        this.collectBelow = threshold;
    }

    static Summary summary(ResultSet rs) throws SQLException {
        return new Summary(rs.getString("session_id"), Rows.uuid(rs, "initiator_id"),
                Rows.instant(rs, "started_at"), Rows.instant(rs, "last_started_at"), Rows.instant(rs, "ended_at"),
                Rows.instant(rs, "last_active_at"), Rows.texts(rs, "providers"), Rows.texts(rs, "models"),
                rs.getString("client"), TextBudget.bytes(rs, "metadata_chars"), rs.getLong("threads"),
                new TokenUsageSummary(rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                        rs.getLong("cache_read_input_tokens"), rs.getLong("cache_write_input_tokens")),
                TextBudget.bytes(rs, "last_prompt_bytes"), rs.getString("username"), rs.getString("name"), rs.getString("avatar_url"));
    }

    /**
     * The conditions on summary rows (alias {@code s}) that select the visible sessions matching the
     * filters. Shared by the count and the page so that they always agree.
     */
    static void where(Sql sql, Caller caller, Filters f) {
        caller.restrictedTo().ifPresent(id -> sql.append(" AND s.initiator_id = ?", id));
        if (f.initiator() != null) {
            sql.append(" AND s.initiator_id = ?", f.initiator());
        }
        if (f.sessionId() != null) {
            sql.append(" AND s.session_id = ?", f.sessionId());
        }
        // necessary conditions, each answered by an index on the summary
        int arrays = 0;
        if (f.provider() != null) {
            sql.append(" AND s.providers @> ARRAY[?]::text[]", f.provider());
            arrays++;
        }
        if (f.model() != null) {
            sql.append(" AND s.models @> ARRAY[?]::text[]", f.model());
            arrays++;
        }
        if (f.client() != null) {
            sql.append(" AND s.clients @> ARRAY[?]::text[]", f.client());
            arrays++;
        }
        if (f.startedAfter() != null) {
            sql.append(" AND s.last_started_at >= ?", f.startedAfter());
        }
        if (f.startedBefore() != null) {
            sql.append(" AND s.started_at <= ?", f.startedBefore());
        }
        if (!f.hasTimeRange() && arrays <= 1) {
            return; // the array containment above is exact
        }
        // Sufficient condition: every interception lies in the time range, and at most one array
        // filter is not satisfied by every interception (its containment above is then exact).
        sql.append(" AND ((TRUE");
        if (f.startedAfter() != null) {
            sql.append(" AND s.started_at >= ?", f.startedAfter());
        }
        if (f.startedBefore() != null) {
            sql.append(" AND s.last_started_at <= ?", f.startedBefore());
        }
        sql.append(" AND (0");
        if (f.provider() != null) {
            sql.append(" + CASE WHEN s.providers = ARRAY[?]::text[] THEN 0 ELSE 1 END", f.provider());
        }
        if (f.model() != null) {
            if (aloneMeansEveryModel(f.model())) {
                sql.append(" + CASE WHEN s.models = ARRAY[?]::text[] THEN 0 ELSE 1 END", f.model());
            } else {
                sql.append(" + 1");
            }
        }
        if (f.client() != null) {
            sql.append(" + CASE WHEN s.clients = ARRAY[?]::text[] THEN 0 ELSE 1 END", f.client());
        }
        sql.append(") <= 1)");
        // otherwise: one matching interception, looked up within the session's own days
        sql.append(" OR EXISTS (SELECT 1 FROM aibridge_interceptions i"
                + " WHERE i.session_id = s.session_id AND i.initiator_id = s.initiator_id AND i.ended_at IS NOT NULL"
                + " AND i.started_at >= s.started_at AND i.started_at <= s.last_started_at");
        FilterSql.interceptionColumns(sql, "i", f);
        sql.append("))");
    }

    /**
     * Whether a summary whose models are exactly {@code model} holds every model of its session.
     * A summary keeps at most 1,024 bytes of models, shortest first, and leaves the rest out
     * (schema V48, {@code models_cut}); the recorder cuts a model to 256 UTF-16 characters, at
     * most 768 bytes. A summary left with one model has left out the next shortest, so the two
     * exceed 1,024 bytes and the one kept exceeds 256: up to 256 bytes, one model means one model.
     * Answered from the model alone, so that the filters stay on the covering index, which does
     * not hold {@code models_cut}.
     */
    static boolean aloneMeansEveryModel(String model) {
        return model.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 256;
    }

    /**
     * started_at, ended_at and threads over each page session's matching interceptions. One lateral
     * probe per session, bounded by that session's own first and last start, so that only its days'
     * partitions are visited.
     */
    private Map<String, Matched> matched(Connection c, List<Summary> rows, Filters f) throws SQLException {
        List<String> sessionIds = new ArrayList<>();
        List<UUID> initiators = new ArrayList<>();
        List<Instant> lows = new ArrayList<>();
        List<Instant> highs = new ArrayList<>();
        for (Summary row : rows) {
            sessionIds.add(row.sessionId());
            initiators.add(row.initiatorId());
            lows.add(f.startedAfter() != null && f.startedAfter().isAfter(row.startedAt()) ? f.startedAfter() : row.startedAt());
            highs.add(f.startedBefore() != null && f.startedBefore().isBefore(row.lastStartedAt()) ? f.startedBefore() : row.lastStartedAt());
        }
        Sql sql = new Sql("SELECT k.session_id, k.initiator_id, m.started_at, m.ended_at, m.threads"
                + " FROM unnest(?::text[], ?::uuid[], ?::timestamptz[], ?::timestamptz[]) AS k(session_id, initiator_id, lo, hi)"
                + " CROSS JOIN LATERAL (SELECT min(i.started_at) AS started_at, max(i.ended_at) AS ended_at,"
                + " count(*) FILTER (WHERE i.thread_root_id IS NULL) AS threads"
                + " FROM aibridge_interceptions i"
                + " WHERE i.session_id = k.session_id AND i.initiator_id = k.initiator_id AND i.ended_at IS NOT NULL"
                + " AND i.started_at >= k.lo AND i.started_at <= k.hi",
                Sql.texts(sessionIds), Sql.uuids(initiators), Sql.instants(lows), Sql.instants(highs));
        FilterSql.interceptionColumns(sql, "i", f);
        sql.append(") m");
        Map<String, Matched> out = new HashMap<>();
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.put(key(rs.getString("session_id"), Rows.uuid(rs, "initiator_id")),
                        new Matched(Rows.instant(rs, "started_at"), Rows.instant(rs, "ended_at"), rs.getLong("threads")));
            }
        }
        return out;
    }

    private static String key(String sessionId, UUID initiatorId) {
        return initiatorId + "/" + sessionId;
    }

    /** The stored client as every reader shows it: NULL (and empty) is {@code Unknown}, as in the interceptions list. */
    static String client(String stored) {
        return stored == null || stored.isEmpty() ? "Unknown" : stored;
    }
}
