package io.aibridge.query.session;

import io.aibridge.query.access.Caller;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.db.Rows;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.db.TextBudget;
import io.aibridge.query.db.TextBudget.Field;
import io.aibridge.query.db.TextBudget.Source;
import io.aibridge.query.db.TextLimits;
import io.aibridge.query.session.SessionDetailView.AgenticAction;
import io.aibridge.query.session.SessionDetailView.ThreadView;
import io.aibridge.query.session.SessionDetailView.Thought;
import io.aibridge.query.session.SessionDetailView.TokenUsage;
import io.aibridge.query.session.SessionDetailView.ToolCall;
import io.aibridge.query.session.SessionRepository.Summary;
import io.aibridge.query.user.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One session with a page of its threads. Threads are root interceptions (no thread root of their
 * own) in start order; a page holds the roots, every interception of their agentic loops, their
 * tool calls and thoughts, and token sums for the threads and the whole session. Everything is read
 * in one snapshot, and every interception read is bounded by the session's first and last start so
 * that only the session's own day partitions are visited. What is read into the service grows with
 * the page, not the session: the session's token total is summed in SQL.
 */
@ApplicationScoped
public class SessionDetailRepository {

    /** How much earlier than its parent a child may start and still be linked to it (recorder-service's ThreadLinker). */
    private static final Duration LINKED_CLOCK_SKEW = Duration.ofDays(1);

    private static final String VISIBLE = " i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL";
    private static final String INTERCEPTION_COLUMNS = "i.id, i.session_id, i.initiator_id, i.provider, i.model,"
            + " i.started_at, i.ended_at, i.thread_root_id, i.credential_kind, i.credential_hint";

    /** The four token sums of the rows of {@code t}; 0 when there are none. */
    private static final String SUMS = "coalesce(sum(t.input_tokens), 0) AS input, coalesce(sum(t.output_tokens), 0) AS output,"
            + " coalesce(sum(t.cache_read_input_tokens), 0) AS cache_read, coalesce(sum(t.cache_write_input_tokens), 0) AS cache_write";
    /** The top-level keys of a token row's metadata, and those of a nested object, as {@code e(key, value)}. */
    private static final String METADATA_KEYS = "jsonb_each(CASE WHEN jsonb_typeof(t.metadata) = 'object' THEN t.metadata ELSE '{}'::jsonb END) e";
    /** Past {@link TextLimits#MAX_TOKEN_TYPE_CHARS} a path is left out, so nothing below it is walked. */
    private static final String NESTED_KEYS = "jsonb_each(CASE WHEN jsonb_typeof(l.value) = 'object'"
            + " AND char_length(l.path) <= " + TextLimits.MAX_TOKEN_TYPE_CHARS + " THEN l.value ELSE '{}'::jsonb END) e";
    private static final String LONG_PATH = "char_length(path) > " + TextLimits.MAX_TOKEN_TYPE_CHARS;
    /**
     * Only integer leaves are extra token types; they are summed exactly. A non-empty object whose path
     * is already too long stands for the types below it: left out, but counted as such.
     */
    private static final String TYPE_LEAVES = " WHERE (jsonb_typeof(value) = 'number' AND (value #>> '{}') ~ '^-?[0-9]+$')"
            + " OR (" + LONG_PATH + " AND jsonb_typeof(value) = 'object' AND value <> '{}'::jsonb)";
    private static final String TYPE_SUMS = "sum(CASE WHEN jsonb_typeof(value) = 'number' THEN (value #>> '{}')::numeric END) AS total,"
            + " count(*) AS n";
    /**
     * Which types are kept: those of the most token rows, then by name (code point order, whatever the
     * database's collation); a path over the cap last. The first {@link TextLimits#MAX_TOKEN_TYPES} are
     * summed; one row more tells that some were left out.
     */
    private static final String RANK = LONG_PATH + ", n DESC, path COLLATE \"C\"";
    private static final int TYPE_ROWS = TextLimits.MAX_TOKEN_TYPES + 1;
    /** The path of a kept type; NULL, never the long name, for one over the cap. */
    private static final String KEPT_PATH = "CASE WHEN " + LONG_PATH + " THEN NULL ELSE path END AS path";

    private final Snapshots snapshots;
    private final UserDirectory users;
    private final TextLimits texts;

    public SessionDetailRepository(Snapshots snapshots, UserDirectory users, TextLimits texts) {
        this.snapshots = snapshots;
        this.users = users;
        this.texts = texts;
    }

    /** A tool call whose input is loaded after every text of the page has been sized. */
    private record ToolRow(UUID id, UUID interceptionId, String providerResponseId, String serverUrl, String tool,
                           boolean injected, Field input, Field metadata, Instant createdAt) {
        ToolCall view() {
            return new ToolCall(id, interceptionId, providerResponseId, serverUrl, tool, injected, input.text(), input.truncated(),
                    metadata.object(), metadata.truncated(), createdAt);
        }
    }

    /** The direction of a thread page. */
    public enum Direction { AFTER, BEFORE }

    private record Interception(UUID id, String sessionId, UUID initiatorId, String provider, String model,
                                Instant startedAt, Instant endedAt, UUID threadRootId, String credentialKind,
                                String credentialHint) {
    }

    /**
     * Token sums of one interception, thread or session, extra types included (at most
     * {@link TextLimits#MAX_TOKEN_TYPES}; {@code typesLeftOut} when there were more, or longer ones).
     */
    private static final class Tokens {
        long input;
        long output;
        long cacheRead;
        long cacheWrite;
        final Map<String, BigInteger> extra = new TreeMap<>();
        boolean typesLeftOut;

        /** Adds the other's four sums; extra types are summed in SQL for each scope, not added up here. */
        void add(Tokens other) {
            input += other.input;
            output += other.output;
            cacheRead += other.cacheRead;
            cacheWrite += other.cacheWrite;
        }

        /** One row of a types query: {@code path} (NULL for a name over the cap), {@code total} and rank {@code r}. */
        void type(ResultSet rs) throws SQLException {
            String path = rs.getString("path");
            if (path == null || rs.getLong("r") > TextLimits.MAX_TOKEN_TYPES) {
                typesLeftOut = true;
            } else {
                extra.put(path, rs.getBigDecimal("total").toBigInteger());
            }
        }

        TokenUsage view() {
            return new TokenUsage(input, output, cacheRead, cacheWrite, new LinkedHashMap<>(extra), typesLeftOut ? Boolean.TRUE : null);
        }
    }

    /** The token sums of the page: per loop member (with its own extra types), and the extra types of each thread. */
    private record PageTokens(Map<UUID, Tokens> members, Map<UUID, Tokens> threadTypes) {
    }

    /**
     * @param cursorId  a thread (or any interception of this session) to page from, or null
     * @param direction whether the page holds the threads after or before the cursor
     */
    public SessionDetailView detail(Caller caller, String sessionId, UUID cursorId, Direction direction, int limit) {
        return snapshots.read(c -> {
            List<Summary> summaries = summaries(c, caller, sessionId);
            if (summaries.isEmpty()) {
                throw ApiException.notFound("Session not found.");
            }
            Instant lo = summaries.stream().map(Summary::startedAt).min(Comparator.naturalOrder()).orElseThrow();
            Instant hi = summaries.stream().map(Summary::lastStartedAt).max(Comparator.naturalOrder()).orElseThrow();
            Interception cursor = cursorId == null ? null
                    : cursor(c, caller, sessionId, cursorId, direction == Direction.AFTER ? "after_id" : "before_id");
            List<Interception> roots = roots(c, caller, sessionId, lo, hi, cursor, direction, limit);
            List<Interception> members = new ArrayList<>(roots);
            if (!roots.isEmpty()) {
                members.addAll(children(c, caller, roots));
            }
            PageTokens tokens = memberTokens(c, sessionId, lo, hi, members);
            Tokens total = sessionTokens(c, caller, sessionId, lo, hi);
            TextBudget budget = texts.budget();
            Summary first = summaries.get(0);
            Field metadata = budget.field(Source.SESSION_METADATA, first.sessionId(), first.initiatorId(), first.metadataChars());
            Map<UUID, List<ToolRow>> tools = toolCalls(c, members, budget);
            Map<UUID, List<Field>> thoughts = thoughts(c, members.stream().filter(m -> tools.containsKey(m.id())).toList(), budget);
            Map<UUID, Field> prompts = firstPrompts(c, roots, budget);
            Map<UUID, List<Interception>> loops = loops(roots, members);
            // the texts in the order the response shows them: the budget goes to the first ones
            budget.allow(metadata);
            for (Interception root : roots) {
                Field prompt = prompts.get(root.id());
                if (prompt != null) {
                    budget.allow(prompt);
                }
                for (Interception m : loops.get(root.id())) {
                    List<ToolRow> calls = tools.get(m.id());
                    if (calls != null && !calls.isEmpty()) {
                        thoughts.getOrDefault(m.id(), List.of()).forEach(budget::allow);
                        calls.forEach(call -> {
                            budget.allow(call.input());
                            budget.allow(call.metadata());
                        });
                    }
                }
            }
            budget.load(c);

            List<ThreadView> threads = threads(roots, loops, tokens, tools, thoughts, prompts);
            return view(sessionId, summaries, metadata, threads, total);
        });
    }

    private SessionDetailView view(String sessionId, List<Summary> summaries, Field metadata, List<ThreadView> threads, Tokens total) {
        Summary first = summaries.get(0);
        Set<String> providers = new TreeSet<>();
        Set<String> models = new TreeSet<>();
        Instant endedAt = null;
        for (Summary s : summaries) {
            providers.addAll(s.providers());
            models.addAll(s.models());
            if (s.endedAt() != null && (endedAt == null || s.endedAt().isAfter(endedAt))) {
                endedAt = s.endedAt();
            }
        }
        Instant pageStartedAt = threads.stream().map(ThreadView::startedAt).min(Comparator.naturalOrder()).orElse(null);
        Instant pageEndedAt = threads.stream().map(ThreadView::endedAt).filter(t -> t != null).max(Comparator.naturalOrder()).orElse(null);
        return new SessionDetailView(sessionId,
                users.initiator(first.initiatorId(), first.username(), first.name(), first.avatarUrl()),
                List.copyOf(providers), List.copyOf(models), SessionRepository.client(first.client()),
                metadata.object(), metadata.truncated(), pageStartedAt, pageEndedAt, first.startedAt(), endedAt,
                total.view(), threads);
    }

    /** Each root's loop (the root and the interceptions of its agentic loop) in start order. */
    private static Map<UUID, List<Interception>> loops(List<Interception> roots, List<Interception> members) {
        Map<UUID, List<Interception>> byRoot = new HashMap<>();
        for (Interception m : members) {
            byRoot.computeIfAbsent(m.threadRootId() == null ? m.id() : m.threadRootId(), k -> new ArrayList<>()).add(m);
        }
        Map<UUID, List<Interception>> loops = new HashMap<>();
        for (Interception root : roots) {
            loops.put(root.id(), byRoot.getOrDefault(root.id(), List.of(root)).stream()
                    .sorted(Comparator.comparing(Interception::startedAt).thenComparing(Interception::id))
                    .toList());
        }
        return loops;
    }

    private static List<ThreadView> threads(List<Interception> roots, Map<UUID, List<Interception>> loops, PageTokens tokens,
                                            Map<UUID, List<ToolRow>> tools, Map<UUID, List<Field>> thoughts,
                                            Map<UUID, Field> prompts) {
        List<ThreadView> threads = new ArrayList<>(roots.size());
        for (Interception root : roots) {
            List<Interception> loop = loops.get(root.id());
            Tokens sum = new Tokens();
            Instant startedAt = root.startedAt();
            Instant endedAt = null;
            List<AgenticAction> actions = new ArrayList<>();
            for (Interception m : loop) {
                Tokens t = tokens.members().getOrDefault(m.id(), new Tokens());
                sum.add(t);
                if (m.startedAt().isBefore(startedAt)) {
                    startedAt = m.startedAt();
                }
                if (m.endedAt() != null && (endedAt == null || m.endedAt().isAfter(endedAt))) {
                    endedAt = m.endedAt();
                }
                List<ToolRow> calls = tools.get(m.id());
                if (calls != null && !calls.isEmpty()) {
                    List<Thought> thinking = thoughts.getOrDefault(m.id(), List.of()).stream()
                            .map(f -> new Thought(f.text(), f.truncated())).toList();
                    actions.add(new AgenticAction(m.model(), t.view(), thinking, calls.stream().map(ToolRow::view).toList()));
                }
            }
            Tokens types = tokens.threadTypes().get(root.id());
            if (types != null) {
                sum.extra.putAll(types.extra);
                sum.typesLeftOut = types.typesLeftOut;
            }
            Field prompt = prompts.get(root.id());
            threads.add(new ThreadView(root.id(), prompt == null ? null : prompt.text(), prompt == null ? null : prompt.truncated(),
                    root.model(), root.provider(),
                    root.credentialKind(), root.credentialHint(), startedAt, endedAt, sum.view(), actions));
        }
        return threads;
    }

    private List<Summary> summaries(Connection c, Caller caller, String sessionId) throws SQLException {
        Sql sql = new Sql("SELECT " + SessionRepository.columns() + " FROM aibridge_sessions s LEFT JOIN aibridge_users u ON u.id = s.initiator_id WHERE s.session_id = ?", sessionId);
        caller.restrictedTo().ifPresent(id -> sql.append(" AND s.initiator_id = ?", id));
        sql.append(" ORDER BY s.started_at, s.initiator_id");
        List<Summary> out = new ArrayList<>();
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(SessionRepository.summary(rs));
            }
        }
        return out;
    }

    /** The cursor must be a visible interception of this session; anything else is {@code 400 Invalid pagination cursor.} */
    private Interception cursor(Connection c, Caller caller, String sessionId, UUID id, String field) throws SQLException {
        Sql sql = new Sql("SELECT " + INTERCEPTION_COLUMNS + " FROM aibridge_interceptions i WHERE i.id = ? AND" + VISIBLE, id);
        caller.restrictedTo().ifPresent(u -> sql.append(" AND i.initiator_id = ?", u));
        sql.append(" LIMIT 1");
        List<Interception> found = interceptions(c, sql);
        if (found.isEmpty()) {
            throw ApiException.badRequest("Invalid pagination cursor.", field, field + ": interception " + id + " not found");
        }
        if (!found.get(0).sessionId().equals(sessionId)) {
            throw ApiException.badRequest("Invalid pagination cursor.", field,
                    field + ": interception " + id + " does not belong to this session");
        }
        return found.get(0);
    }

    private List<Interception> roots(Connection c, Caller caller, String sessionId, Instant lo, Instant hi,
                                     Interception cursor, Direction direction, int limit) throws SQLException {
        Sql sql = new Sql("SELECT " + INTERCEPTION_COLUMNS + " FROM aibridge_interceptions i"
                + " WHERE i.session_id = ? AND i.thread_root_id IS NULL AND" + VISIBLE
                + " AND i.started_at >= ? AND i.started_at <= ?", sessionId, lo, hi);
        caller.restrictedTo().ifPresent(u -> sql.append(" AND i.initiator_id = ?", u));
        boolean backwards = cursor != null && direction == Direction.BEFORE;
        if (cursor != null) {
            sql.append(backwards ? " AND (i.started_at, i.id) < (?, ?)" : " AND (i.started_at, i.id) > (?, ?)",
                    cursor.startedAt(), cursor.id());
        }
        sql.append(backwards ? " ORDER BY i.started_at DESC, i.id DESC" : " ORDER BY i.started_at, i.id");
        sql.append(" LIMIT ?", limit);
        List<Interception> roots = new ArrayList<>(interceptions(c, sql));
        if (backwards) {
            java.util.Collections.reverse(roots);
        }
        return roots;
    }

    /**
     * Every visible interception of the roots' loops. A member may claim to start before its root
     * (proxies whose clocks differ): the recorder links a child up to a day earlier than its parent
     * (its {@code ThreadLinker.CLOCK_SKEW}), so the start bound, there to keep the scan to the days
     * that can hold members, is the earliest root less that day.
     */
    private List<Interception> children(Connection c, Caller caller, List<Interception> roots) throws SQLException {
        List<UUID> ids = roots.stream().map(Interception::id).toList();
        Instant from = roots.stream().map(Interception::startedAt).min(Comparator.naturalOrder()).orElseThrow()
                .minus(LINKED_CLOCK_SKEW);
        Sql sql = new Sql("SELECT " + INTERCEPTION_COLUMNS + " FROM aibridge_interceptions i"
                + " WHERE i.thread_root_id = ANY(?) AND" + VISIBLE + " AND i.started_at >= ?", Sql.uuids(ids), from);
        caller.restrictedTo().ifPresent(u -> sql.append(" AND i.initiator_id = ?", u));
        return interceptions(c, sql);
    }

    private static List<Interception> interceptions(Connection c, Sql sql) throws SQLException {
        List<Interception> out = new ArrayList<>();
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new Interception(Rows.uuid(rs, "id"), rs.getString("session_id"), Rows.uuid(rs, "initiator_id"),
                        nullToEmpty(rs.getString("provider")), nullToEmpty(rs.getString("model")),
                        Rows.instant(rs, "started_at"), Rows.instant(rs, "ended_at"), Rows.uuid(rs, "thread_root_id"),
                        rs.getString("credential_kind"), rs.getString("credential_hint")));
            }
        }
        return out;
    }

    /**
     * Token sums of the page's loop members, one per interception, with the extra types of each
     * row's metadata flattened (nested keys joined with dots) and every integer leaf summed, per
     * member and per thread, each kept to the {@link TextLimits#MAX_TOKEN_TYPES} types of the most
     * rows. A member of this session counts only if it starts within the session's first and last
     * start, as in the session total; a member of another session (a loop may cross sessions) always
     * counts.
     */
    private static PageTokens memberTokens(Connection c, String sessionId, Instant lo, Instant hi,
                                           List<Interception> members) throws SQLException {
        List<Interception> counted = members.stream().filter(m -> !m.sessionId().equals(sessionId)
                || (!m.startedAt().isBefore(lo) && !m.startedAt().isAfter(hi))).toList();
        PageTokens out = new PageTokens(new HashMap<>(), new HashMap<>());
        if (counted.isEmpty()) {
            return out;
        }
        String rows = " JOIN aibridge_token_usages t ON t.interception_id = k.id AND t.interception_started_at = k.started_at"
                + " AND t.interception_started_at >= ? AND t.interception_started_at <= ?";
        Sql sums = new Sql("SELECT t.interception_id, " + SUMS + " FROM unnest(?::uuid[], ?::timestamptz[]) AS k(id, started_at)" + rows
                + " GROUP BY t.interception_id", Sql.uuids(ids(counted)), Sql.instants(counted.stream().map(Interception::startedAt).toList()),
                min(null, counted), max(null, counted));
        try (PreparedStatement s = sums.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                readSums(rs, out.members().computeIfAbsent(Rows.uuid(rs, "interception_id"), k -> new Tokens()));
            }
        }
        // each member's types, and each thread's (its members' rows together), ranked within their scope
        Sql extra = new Sql("WITH RECURSIVE leaves(interception_id, root_id, path, value) AS ("
                + " SELECT t.interception_id, k.root_id, e.key, e.value"
                + " FROM unnest(?::uuid[], ?::timestamptz[], ?::uuid[]) AS k(id, started_at, root_id)" + rows
                + " CROSS JOIN LATERAL " + METADATA_KEYS
                + " UNION ALL SELECT l.interception_id, l.root_id, l.path || '.' || e.key, e.value FROM leaves l CROSS JOIN LATERAL "
                + NESTED_KEYS + "),"
                + " types AS (SELECT interception_id, root_id, path, " + TYPE_SUMS + " FROM leaves" + TYPE_LEAVES
                + " GROUP BY interception_id, root_id, path),"
                + " ranked AS (SELECT false AS thread, interception_id AS owner, path, total,"
                + " row_number() OVER (PARTITION BY interception_id ORDER BY " + RANK + ") AS r FROM types"
                + " UNION ALL SELECT true, root_id, path, total, row_number() OVER (PARTITION BY root_id ORDER BY " + RANK + ")"
                + " FROM (SELECT root_id, path, sum(total) AS total, sum(n) AS n FROM types GROUP BY root_id, path) g)"
                + " SELECT thread, owner, " + KEPT_PATH + ", total, r FROM ranked WHERE r <= ?",
                Sql.uuids(ids(counted)), Sql.instants(counted.stream().map(Interception::startedAt).toList()),
                Sql.uuids(counted.stream().map(m -> m.threadRootId() == null ? m.id() : m.threadRootId()).toList()),
                min(null, counted), max(null, counted), TYPE_ROWS);
        try (PreparedStatement s = extra.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                Map<UUID, Tokens> scope = rs.getBoolean("thread") ? out.threadTypes() : out.members();
                scope.computeIfAbsent(Rows.uuid(rs, "owner"), k -> new Tokens()).type(rs);
            }
        }
        return out;
    }

    /**
     * Token sums of every visible interception of the session (the caller's own only, for a member)
     * that starts within its first and last start, aggregated in SQL: one row of the four sums and
     * one row per extra type (at most {@link TextLimits#MAX_TOKEN_TYPES} and one), whatever the number
     * of interceptions, so that what the service reads depends on the page's size, not the session's.
     */
    private static Tokens sessionTokens(Connection c, Caller caller, String sessionId, Instant lo, Instant hi) throws SQLException {
        Tokens total = new Tokens();
        try (PreparedStatement s = sessionUsages("SELECT " + SUMS, "", caller, sessionId, lo, hi).prepare(c);
             ResultSet rs = s.executeQuery()) {
            if (rs.next()) {
                readSums(rs, total);
            }
        }
        Sql extra = sessionUsages("WITH RECURSIVE leaves(path, value) AS (SELECT e.key, e.value",
                " CROSS JOIN LATERAL " + METADATA_KEYS, caller, sessionId, lo, hi);
        extra.append(" UNION ALL SELECT l.path || '.' || e.key, e.value FROM leaves l CROSS JOIN LATERAL " + NESTED_KEYS + "),"
                + " types AS (SELECT path, " + TYPE_SUMS + " FROM leaves" + TYPE_LEAVES + " GROUP BY path)"
                + " SELECT " + KEPT_PATH + ", total, row_number() OVER (ORDER BY " + RANK + ") AS r FROM types"
                + " ORDER BY r LIMIT ?", TYPE_ROWS);
        try (PreparedStatement s = extra.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                total.type(rs);
            }
        }
        return total;
    }

    /** {@code select}, then the token rows of the session's visible interceptions joined with {@code join}. */
    private static Sql sessionUsages(String select, String join, Caller caller, String sessionId, Instant lo, Instant hi) {
        Sql sql = new Sql(select + " FROM aibridge_interceptions i JOIN aibridge_token_usages t ON t.interception_id = i.id"
                + " AND t.interception_started_at = i.started_at AND t.interception_started_at >= ? AND t.interception_started_at <= ?"
                + join + " WHERE i.session_id = ? AND" + VISIBLE + " AND i.started_at >= ? AND i.started_at <= ?", lo, hi, sessionId, lo, hi);
        caller.restrictedTo().ifPresent(u -> sql.append(" AND i.initiator_id = ?", u));
        return sql;
    }

    private static void readSums(ResultSet rs, Tokens t) throws SQLException {
        t.input = rs.getLong("input");
        t.output = rs.getLong("output");
        t.cacheRead = rs.getLong("cache_read");
        t.cacheWrite = rs.getLong("cache_write");
    }

    private Map<UUID, List<ToolRow>> toolCalls(Connection c, List<Interception> members, TextBudget budget) throws SQLException {
        Map<UUID, List<ToolRow>> out = new HashMap<>();
        if (members.isEmpty()) {
            return out;
        }
        Sql sql = new Sql("SELECT t.id, t.interception_id, t.interception_started_at, t.provider_response_id, t.server_url, t.tool,"
                + " t.injected, octet_length(t.input) AS input_bytes,"
                + " " + TextBudget.jsonChars("t.metadata", "metadata_chars") + ", t.created_at FROM aibridge_tool_usages t"
                + " WHERE t.interception_id = ANY(?) AND t.interception_started_at >= ? AND t.interception_started_at <= ?"
                + " ORDER BY t.created_at, t.id", Sql.uuids(ids(members)), min(null, members), max(null, members));
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = Rows.uuid(rs, "id");
                Instant interceptionStartedAt = Rows.instant(rs, "interception_started_at");
                ToolRow call = new ToolRow(id, Rows.uuid(rs, "interception_id"),
                        rs.getString("provider_response_id"), nullToEmpty(rs.getString("server_url")), rs.getString("tool"),
                        rs.getBoolean("injected"),
                        budget.field(Source.TOOL_INPUT, id, interceptionStartedAt, TextBudget.bytes(rs, "input_bytes")),
                        budget.field(Source.TOOL_METADATA, id, interceptionStartedAt, TextBudget.bytes(rs, "metadata_chars")),
                        Rows.instant(rs, "created_at"));
                out.computeIfAbsent(call.interceptionId(), k -> new ArrayList<>()).add(call);
            }
        }
        return out;
    }

    private Map<UUID, List<Field>> thoughts(Connection c, List<Interception> members, TextBudget budget) throws SQLException {
        Map<UUID, List<Field>> out = new HashMap<>();
        if (members.isEmpty()) {
            return out;
        }
        Sql sql = new Sql("SELECT t.id, t.interception_id, t.interception_started_at, octet_length(t.content) AS content_bytes"
                + " FROM aibridge_model_thoughts t"
                + " WHERE t.interception_id = ANY(?) AND t.interception_started_at >= ? AND t.interception_started_at <= ?"
                + " ORDER BY t.created_at, t.id", Sql.uuids(ids(members)), min(null, members), max(null, members));
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.computeIfAbsent(Rows.uuid(rs, "interception_id"), k -> new ArrayList<>()).add(budget.field(Source.MODEL_THOUGHT,
                        Rows.uuid(rs, "id"), Rows.instant(rs, "interception_started_at"), TextBudget.bytes(rs, "content_bytes")));
            }
        }
        return out;
    }

    /** The first prompt (by creation) of each root. */
    private Map<UUID, Field> firstPrompts(Connection c, List<Interception> roots, TextBudget budget) throws SQLException {
        Map<UUID, Field> out = new HashMap<>();
        if (roots.isEmpty()) {
            return out;
        }
        Sql sql = new Sql("SELECT DISTINCT ON (p.interception_id) p.interception_id, p.id, p.interception_started_at,"
                + " octet_length(p.prompt) AS prompt_bytes FROM aibridge_user_prompts p"
                + " WHERE p.interception_id = ANY(?) AND p.interception_started_at >= ? AND p.interception_started_at <= ?"
                + " ORDER BY p.interception_id, p.created_at, p.id", Sql.uuids(ids(roots)), min(null, roots), max(null, roots));
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.put(Rows.uuid(rs, "interception_id"), budget.field(Source.USER_PROMPT, Rows.uuid(rs, "id"),
                        Rows.instant(rs, "interception_started_at"), TextBudget.bytes(rs, "prompt_bytes")));
            }
        }
        return out;
    }

    private static List<UUID> ids(Collection<Interception> interceptions) {
        return interceptions.stream().map(Interception::id).toList();
    }

    private static Instant min(Instant start, Collection<Interception> interceptions) {
        Instant out = start;
        for (Interception i : interceptions) {
            if (out == null || i.startedAt().isBefore(out)) {
                out = i.startedAt();
            }
        }
        return out;
    }

    private static Instant max(Instant start, Collection<Interception> interceptions) {
        Instant out = start;
        for (Interception i : interceptions) {
            if (out == null || i.startedAt().isAfter(out)) {
                out = i.startedAt();
            }
        }
        return out;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
