package io.aibridge.recorder.interception;

import io.aibridge.recorder.sql.SqlArrays;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Links interceptions into threads (behaviour §7), whatever order their events arrive in.
 *
 * <p>An interception whose request answered a tool call ({@code correlating_tool_call_id}) is the
 * child of the interception that made that call: its parent is the interception of the most
 * recent tool usage with that {@code provider_tool_call_id}, and its root is the parent's root,
 * or the parent itself. The child's start may arrive before the parent's tool usage, and a parent
 * may be linked after its own children; so after every batch the linker
 * <ol>
 *   <li>finds every unlinked interception that the batch may complete: the batch's own starts
 *       with a correlating id, and stored interceptions still waiting for a tool call the batch
 *       recorded (the partial index {@code aibridge_interceptions_unlinked});</li>
 *   <li>resolves their roots, following parents that are linked in the same batch;</li>
 *   <li>re-roots the rows whose root was one of them (their descendants linked earlier) to the
 *       new root.</li>
 * </ol>
 * Invariant after each batch: every linked row's root is an interception that has no parent
 * (or whose start was not stored yet). So whichever event arrives first, the final lineage is
 * the same. Every row whose lineage changed is returned with its session before and after, so
 * that the summaries it left and joined can be recomputed.
 *
 * <p>The parent must have started at most {@link #LOOKBACK} before the child; a tool call answered
 * later is not linked, whichever of the two arrives first.
 *
 * <p>"Most recent" tool usage means the latest by (interception start, created_at, id): tool-call
 * ids are unique in practice, and this order lets PostgreSQL read the day partitions newest
 * first and stop at the first match.
 */
final class ThreadLinker {

    /**
     * How much earlier than its parent a child may claim to have started (clock skew between proxy
     * replicas). Bounds the partitions the look-ups read; a day is far beyond any real skew.
     */
    static final Duration CLOCK_SKEW = Duration.ofDays(1);

    /**
     * How long before its child a parent may have started: a tool call answered later than this is
     * not linked. The look-ups of a parent's tool call are bounded by it from below, with a value
     * that is the same for the whole batch, so that PostgreSQL prunes the day partitions before it
     * runs them instead of visiting every older partition once per row (with 90 day partitions the
     * linking took 93 ms of a batch, against 16 ms with one). Agent loops answer tool calls within
     * minutes; a week also covers a conversation resumed days later.
     */
    static final Duration LOOKBACK = Duration.ofDays(7);

    private static final String FIND_LINKABLE = """
            SELECT x.id, x.started_at, x.session_id, x.initiator_id, x.ended_at IS NOT NULL AS visible,
                   p.interception_id AS parent_id, parent.thread_root_id AS parent_root
            FROM aibridge_interceptions x
            CROSS JOIN LATERAL (
                SELECT t.interception_id, t.interception_started_at
                FROM aibridge_tool_usages t
                WHERE t.provider_tool_call_id = x.correlating_tool_call_id
                  AND t.interception_started_at <= x.started_at + interval '1 day'
                  AND t.interception_started_at >= x.started_at - interval '%1$d days'
                  AND t.interception_started_at >= {parents_from}
                  AND t.interception_id <> x.id
                ORDER BY t.interception_started_at DESC, t.created_at DESC, t.id DESC
                LIMIT 1) p
            LEFT JOIN LATERAL (
                -- LIMIT keeps this a primary-key probe per row (a join could scan whole partitions);
                -- FOR SHARE: see FIND_PARENTS
                SELECT i.thread_root_id FROM aibridge_interceptions i
                WHERE i.id = p.interception_id AND i.started_at = p.interception_started_at
                  AND i.started_at >= {parents_from}
                LIMIT 1 FOR SHARE) parent ON true
            WHERE x.correlating_tool_call_id = ANY (?::text[])
              AND x.thread_parent_id IS NULL
              AND x.started_at >= {rows_from}
            """.formatted(LOOKBACK.toDays());

    /** The most recent tool usage answering each start, and the root stored on its interception. */
    private static final String FIND_PARENTS = """
            SELECT c.id, p.interception_id AS parent_id, parent.thread_root_id AS parent_root
            FROM unnest(?::uuid[], ?::timestamptz[], ?::text[]) AS c(id, started_at, call_id)
            CROSS JOIN LATERAL (
                SELECT t.interception_id, t.interception_started_at
                FROM aibridge_tool_usages t
                WHERE t.provider_tool_call_id = c.call_id
                  AND t.interception_started_at <= c.started_at + interval '1 day'
                  AND t.interception_started_at >= c.started_at - interval '%1$d days'
                  AND t.interception_started_at >= {parents_from}
                  AND t.interception_id <> c.id
                ORDER BY t.interception_started_at DESC, t.created_at DESC, t.id DESC
                LIMIT 1) p
            LEFT JOIN LATERAL (
                -- FOR SHARE: a writer linking the parent right now (its root changes) is waited for,
                -- and its root read once it committed; a writer linking it later waits for this one,
                -- and its re-rooting then sees the child. Without the lock the child kept the parent as
                -- root while the other writer's re-rooting, which could not see the child, moved the rest.
                SELECT i.thread_root_id FROM aibridge_interceptions i
                WHERE i.id = p.interception_id AND i.started_at = p.interception_started_at
                  AND i.started_at >= {parents_from}
                LIMIT 1 FOR SHARE) parent ON true
            """.formatted(LOOKBACK.toDays());

    private static final String LINK = """
            UPDATE aibridge_interceptions i
            SET thread_parent_id = u.parent_id, thread_root_id = u.root_id
            FROM unnest(?::uuid[], ?::timestamptz[], ?::uuid[], ?::uuid[]) AS u(id, started_at, parent_id, root_id)
            WHERE i.id = u.id AND i.started_at = u.started_at
              AND i.started_at >= {rows_from} AND i.started_at < {rows_until}
            RETURNING i.id, i.session_id, i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL AS visible
            """;

    private static final String REROOT = """
            UPDATE aibridge_interceptions d
            SET thread_root_id = m.new_root
            FROM unnest(?::uuid[], ?::uuid[]) AS m(old_root, new_root)
            WHERE d.thread_root_id = m.old_root
              AND d.id <> m.new_root
              AND d.started_at >= {rows_from}
            RETURNING d.id, COALESCE(NULLIF(d.client_session_id, ''), m.old_root::text) AS old_session_id,
                      d.session_id, d.initiator_id, d.ended_at IS NOT NULL AND d.initiator_id IS NOT NULL AS visible
            """;

    /** An unlinked interception that can now be linked, with what the look-up found. */
    record Candidate(UUID id, Instant startedAt, String sessionId, UUID initiatorId, boolean visible,
                     UUID parentId, UUID parentRoot) {
    }

    /** A link made by a batch: for structured logs. */
    record Link(UUID parentId, UUID rootId) {
    }

    /**
     * A row whose lineage changed: its session before and after, whether it is visible now, and
     * whether it was linked now ({@code linked}: it had no parent, so it was a thread root) or only
     * re-rooted (it had a parent before and after). With a client session id the session stays
     * the same; a linked row then only stops counting as a thread.
     */
    record Moved(UUID id, SessionKey before, SessionKey after, boolean visible, boolean linked) {
    }

    /** What linking changed: links made, and rows whose lineage changed. */
    record Result(Map<UUID, Link> links, List<Moved> moved) {
        static final Result NONE = new Result(Map.of(), List.of());
    }

    /** Parents and roots found for the batch's starts before their rows are written. */
    record PreLinks(Map<UUID, Candidate> candidates, Map<UUID, UUID> roots) {
        static final PreLinks NONE = new PreLinks(Map.of(), Map.of());

        /** The link to write with this row's start, or null. */
        Link of(UUID interception) {
            Candidate candidate = candidates.get(interception);
            return candidate == null ? null : new Link(candidate.parentId(), roots.get(interception));
        }
    }

    /**
     * Step 1, before the batch's interceptions are written (and after its tool usages are): the
     * parent and root of each of the batch's starts that answers a tool call already stored.
     */
    PreLinks prelink(Connection connection, InterceptionBatch batch) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        List<Instant> starts = new ArrayList<>();
        List<String> callIds = new ArrayList<>();
        Map<UUID, InterceptionBatch.Row> rows = new HashMap<>();
        for (InterceptionBatch.Row row : batch.rows()) {
            if (row.start != null && row.start.correlatingToolCallId() != null) {
                ids.add(row.key.id());
                starts.add(row.key.startedAt());
                callIds.add(row.start.correlatingToolCallId());
                rows.put(row.key.id(), row);
            }
        }
        if (ids.isEmpty()) {
            return PreLinks.NONE;
        }
        Map<UUID, Candidate> candidates = new LinkedHashMap<>();
        Instant parentsFrom = starts.stream().min(Instant::compareTo).orElseThrow().minus(LOOKBACK);
        try (PreparedStatement statement = connection.prepareStatement(
                FIND_PARENTS.replace("{parents_from}", fromDay(parentsFrom)))) {
            SqlArrays.uuids(statement, 1, ids);
            SqlArrays.times(statement, 2, starts);
            SqlArrays.texts(statement, 3, callIds);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    InterceptionBatch.Row row = rows.get(rs.getObject("id", UUID.class));
                    candidates.put(row.key.id(), new Candidate(row.key.id(), row.key.startedAt(), null,
                            row.start.initiatorId(), false, rs.getObject("parent_id", UUID.class),
                            rs.getObject("parent_root", UUID.class)));
                }
            }
        }
        return candidates.isEmpty() ? PreLinks.NONE : new PreLinks(candidates, resolveRoots(candidates));
    }

    /**
     * Step 2, after the batch's interceptions are written: links stored interceptions that the
     * batch's tool calls complete, and re-roots the descendants of everything linked now.
     */
    Result link(Connection connection, InterceptionBatch batch, PreLinks prelinks) throws SQLException {
        Set<String> callIds = batch.linkingCallIds();
        Instant earliest = batch.earliestLinkStart();
        Map<UUID, Candidate> candidates = callIds.isEmpty() || earliest == null ? Map.of()
                : findLinkable(connection, callIds, earliest.minus(CLOCK_SKEW));
        if (candidates.isEmpty() && prelinks.candidates().isEmpty()) {
            return Result.NONE;
        }
        Map<UUID, UUID> roots = resolveRoots(candidates);
        List<Moved> moved = new ArrayList<>();
        Map<UUID, Link> links = new LinkedHashMap<>();
        // A start linked before it was written may have got as root an interception linked only now.
        Map<UUID, UUID> newRoots = new LinkedHashMap<>();
        Instant earliestLinked = null;
        for (Candidate candidate : prelinks.candidates().values()) {
            UUID root = prelinks.roots().get(candidate.id());
            root = roots.getOrDefault(root, root);
            newRoots.put(candidate.id(), root);
            links.put(candidate.id(), new Link(candidate.parentId(), root));
            earliestLinked = min(earliestLinked, candidate.startedAt());
        }
        if (!candidates.isEmpty()) {
            Map<UUID, Linked> linkedRows = applyLinks(connection, candidates, roots);
            for (Candidate candidate : candidates.values()) {
                newRoots.put(candidate.id(), roots.get(candidate.id()));
                links.put(candidate.id(), new Link(candidate.parentId(), roots.get(candidate.id())));
                Linked row = linkedRows.get(candidate.id());
                String after = row == null ? candidate.sessionId() : row.sessionId();
                // Visibility as of the row's update, after any concurrent writer's end of it committed:
                // the look-up's snapshot may predate that end, and the summaries would miss the move.
                boolean visible = row == null ? candidate.visible() : row.visible();
                moved.add(new Moved(candidate.id(), new SessionKey(candidate.sessionId(), candidate.initiatorId()),
                        new SessionKey(after, candidate.initiatorId()), visible, true));
                earliestLinked = min(earliestLinked, candidate.startedAt());
            }
        }
        moved.addAll(reRootDescendants(connection, newRoots, earliestLinked.minus(CLOCK_SKEW)));
        return new Result(links, moved);
    }

    private static Instant min(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    /**
     * A batch-wide lower bound, written into the statement as a literal at the start of its UTC
     * day. As a literal, PostgreSQL prunes the day partitions when it plans the statement, also in
     * the generic plan it caches: the plan holds, opens and locks only the days from the bound on,
     * instead of all the days kept (and re-planning it, after the retention detached a day, costs
     * a few milliseconds instead of tens). Whole days keep the statement's text the same all day,
     * so its prepared plan is reused; every row's own condition is the exact one.
     */
    static String fromDay(Instant bound) {
        return "'" + bound.truncatedTo(ChronoUnit.DAYS) + "'::timestamptz";
    }

    /** A batch-wide upper bound, as {@link #fromDay}: the start of the next UTC day, exclusive. */
    static String untilDay(Instant bound) {
        return "'" + bound.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS) + "'::timestamptz";
    }

    private Map<UUID, Candidate> findLinkable(Connection connection, Set<String> callIds, Instant notBefore) throws SQLException {
        Map<UUID, Candidate> candidates = new LinkedHashMap<>();
        // the parents of rows starting from notBefore started at most LOOKBACK earlier
        try (PreparedStatement statement = connection.prepareStatement(FIND_LINKABLE
                .replace("{parents_from}", fromDay(notBefore.minus(LOOKBACK))).replace("{rows_from}", fromDay(notBefore)))) {
            SqlArrays.texts(statement, 1, callIds);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    Candidate candidate = new Candidate(
                            rs.getObject("id", UUID.class),
                            rs.getObject("started_at", java.time.OffsetDateTime.class).toInstant(),
                            rs.getString("session_id"),
                            rs.getObject("initiator_id", UUID.class),
                            rs.getBoolean("visible"),
                            rs.getObject("parent_id", UUID.class),
                            rs.getObject("parent_root", UUID.class));
                    candidates.put(candidate.id(), candidate);
                }
            }
        }
        return candidates;
    }

    /**
     * The root of every candidate. A candidate's parent, or the root stored on that parent, may
     * itself be a candidate (linked in the same batch); then its root is that candidate's root.
     */
    static Map<UUID, UUID> resolveRoots(Map<UUID, Candidate> candidates) {
        Map<UUID, UUID> roots = new HashMap<>();
        for (UUID id : candidates.keySet()) {
            resolve(id, candidates, roots, new HashSet<>());
        }
        return roots;
    }

    private static UUID resolve(UUID id, Map<UUID, Candidate> candidates, Map<UUID, UUID> roots, Set<UUID> path) {
        UUID known = roots.get(id);
        if (known != null) {
            return known;
        }
        Candidate candidate = candidates.get(id);
        UUID parent = candidate.parentId();
        UUID root = candidates.containsKey(parent) || candidate.parentRoot() == null ? parent : candidate.parentRoot();
        if (candidates.containsKey(root)) {
            path.add(id);
            // A cycle can only come from inconsistent events; stop at the parent rather than loop.
            root = path.contains(root) ? parent : resolve(root, candidates, roots, path);
        }
        if (root.equals(id)) {
            root = parent;
        }
        roots.put(id, root);
        return root;
    }

    /** A row as the link left it: its session and whether it is visible. */
    private record Linked(String sessionId, boolean visible) {
    }

    /** Sets parent and root on the candidates; returns their sessions and visibility afterwards. */
    private Map<UUID, Linked> applyLinks(Connection connection, Map<UUID, Candidate> candidates, Map<UUID, UUID> roots)
            throws SQLException {
        List<UUID> ids = new ArrayList<>();
        List<Instant> starts = new ArrayList<>();
        List<UUID> parents = new ArrayList<>();
        List<UUID> rootIds = new ArrayList<>();
        Instant first = null;
        Instant last = null;
        for (Candidate candidate : candidates.values()) {
            ids.add(candidate.id());
            starts.add(candidate.startedAt());
            parents.add(candidate.parentId());
            rootIds.add(roots.get(candidate.id()));
            first = first == null || candidate.startedAt().isBefore(first) ? candidate.startedAt() : first;
            last = last == null || candidate.startedAt().isAfter(last) ? candidate.startedAt() : last;
        }
        Map<UUID, Linked> sessions = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(
                LINK.replace("{rows_from}", fromDay(first)).replace("{rows_until}", untilDay(last)))) {
            SqlArrays.uuids(statement, 1, ids);
            SqlArrays.times(statement, 2, starts);
            SqlArrays.uuids(statement, 3, parents);
            SqlArrays.uuids(statement, 4, rootIds);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    sessions.put(rs.getObject(1, UUID.class), new Linked(rs.getString(2), rs.getBoolean(3)));
                }
            }
        }
        return sessions;
    }

    /** Moves rows whose root was a candidate (descendants linked before it) to the candidate's root. */
    private List<Moved> reRootDescendants(Connection connection, Map<UUID, UUID> roots, Instant notBefore)
            throws SQLException {
        List<Moved> moved = new ArrayList<>();
        List<UUID> oldRoots = new ArrayList<>(roots.keySet());
        List<UUID> newRoots = oldRoots.stream().map(roots::get).toList();
        try (PreparedStatement statement = connection.prepareStatement(REROOT.replace("{rows_from}", fromDay(notBefore)))) {
            SqlArrays.uuids(statement, 1, oldRoots);
            SqlArrays.uuids(statement, 2, newRoots);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    UUID initiator = rs.getObject("initiator_id", UUID.class);
                    moved.add(new Moved(rs.getObject("id", UUID.class), new SessionKey(rs.getString("old_session_id"), initiator),
                            new SessionKey(rs.getString("session_id"), initiator), rs.getBoolean("visible"), false));
                }
            }
        }
        return moved;
    }
}
