package io.aibridge.query.usage;

import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Rows;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.search.FilterSql;
import io.aibridge.query.search.Filters;
import io.aibridge.query.usage.UsageReport.Group;
import io.aibridge.query.usage.UsageReport.Totals;
import io.aibridge.query.user.InitiatorView;
import io.aibridge.query.user.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * Usage totals per group, aggregated from the interceptions in the range and their token rows (the
 * token rows carry the interception's start, so the range prunes both tables to the same days).
 * Its cost grows with the number of interceptions in the range; give a range.
 */
@ApplicationScoped
public class UsageRepository {

    /** What the groups are. */
    public enum GroupBy {
        USER("i.initiator_id::text"), MODEL("i.model"), CLIENT("coalesce(i.client, 'Unknown')"), PROVIDER("i.provider");

        private final String expression;

        GroupBy(String expression) {
            this.expression = expression;
        }
    }

    /** The order of the groups, descending. */
    public enum OrderBy {
        TOTAL_TOKENS(Group::totalTokens), INPUT_TOKENS(Group::inputTokens), OUTPUT_TOKENS(Group::outputTokens),
        CACHE_READ_INPUT_TOKENS(Group::cacheReadInputTokens), CACHE_WRITE_INPUT_TOKENS(Group::cacheWriteInputTokens),
        INTERCEPTIONS(Group::interceptions), SESSIONS(Group::sessions);

        private final ToLongFunction<Group> field;

        OrderBy(ToLongFunction<Group> field) {
            this.field = field;
        }
    }

    private final Snapshots snapshots;
    private final UserDirectory users;

    public UsageRepository(Snapshots snapshots, UserDirectory users) {
        this.snapshots = snapshots;
        this.users = users;
    }

    public UsageReport report(Caller caller, Filters filters, GroupBy groupBy, OrderBy orderBy, int limit) {
        return snapshots.read(c -> {
            Sql sql = new Sql("WITH i AS (SELECT i.id, i.started_at, i.session_id, i.initiator_id, " + groupBy.expression
                    + " AS k FROM aibridge_interceptions i WHERE TRUE");
            FilterSql.visibleMatching(sql, "i", caller, filters);
            sql.append("), n AS (SELECT i.k, GROUPING(i.k) AS g, count(*) AS interceptions,"
                    + " count(DISTINCT (i.session_id, i.initiator_id)) AS sessions FROM i GROUP BY GROUPING SETS ((i.k), ())),"
                    + " t AS (SELECT i.k, GROUPING(i.k) AS g, sum(t.input_tokens) AS input, sum(t.output_tokens) AS output,"
                    + " sum(t.cache_read_input_tokens) AS cache_read, sum(t.cache_write_input_tokens) AS cache_write"
                    + " FROM i JOIN aibridge_token_usages t ON t.interception_id = i.id AND t.interception_started_at = i.started_at"
                    + " WHERE TRUE");
            if (filters.startedAfter() != null) {
                sql.append(" AND t.interception_started_at >= ?", filters.startedAfter());
            }
            if (filters.startedBefore() != null) {
                sql.append(" AND t.interception_started_at <= ?", filters.startedBefore());
            }
            sql.append(" GROUP BY GROUPING SETS ((i.k), ()))"
                    + " SELECT n.k, n.g, n.interceptions, n.sessions, coalesce(t.input, 0) AS input, coalesce(t.output, 0) AS output,"
                    + " coalesce(t.cache_read, 0) AS cache_read, coalesce(t.cache_write, 0) AS cache_write"
                    + " FROM n LEFT JOIN t ON t.g = n.g AND t.k IS NOT DISTINCT FROM n.k");
            Totals totals = new Totals(0, 0, 0, 0, 0, 0, 0);
            List<Group> groups = new ArrayList<>();
            try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long input = rs.getLong("input");
                    long output = rs.getLong("output");
                    long cacheRead = rs.getLong("cache_read");
                    long cacheWrite = rs.getLong("cache_write");
                    long total = input + output + cacheRead + cacheWrite;
                    if (rs.getInt("g") == 1) {
                        totals = new Totals(input, output, cacheRead, cacheWrite, total, rs.getLong("interceptions"), rs.getLong("sessions"));
                    } else {
                        groups.add(new Group(nullToEmpty(rs.getString("k")), null, input, output, cacheRead, cacheWrite, total,
                                rs.getLong("interceptions"), rs.getLong("sessions")));
                    }
                }
            }
            groups.sort(Comparator.comparingLong(orderBy.field).reversed().thenComparing(Group::key));
            long count = groups.size();
            List<Group> top = groups.subList(0, Math.min(limit, groups.size()));
            if (groupBy == GroupBy.USER) {
                top = withUsers(c, top);
            }
            return new UsageReport(groupBy.name().toLowerCase(java.util.Locale.ROOT), orderBy.name().toLowerCase(java.util.Locale.ROOT),
                    filters.startedAfter(), filters.startedBefore(), count, totals, List.copyOf(top));
        });
    }

    private List<Group> withUsers(Connection c, List<Group> groups) throws SQLException {
        List<UUID> ids = groups.stream().map(g -> UUID.fromString(g.key())).toList();
        Map<UUID, String[]> rows = new HashMap<>();
        Sql sql = new Sql("SELECT id, username, name, avatar_url FROM aibridge_users WHERE id = ANY(?)", Sql.uuids(ids));
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                rows.put(Rows.uuid(rs, "id"), new String[]{rs.getString("username"), rs.getString("name"), rs.getString("avatar_url")});
            }
        }
        List<Group> out = new ArrayList<>(groups.size());
        for (Group g : groups) {
            UUID id = UUID.fromString(g.key());
            String[] row = rows.get(id);
            InitiatorView user = row == null ? users.initiator(id, null, null, null) : users.initiator(id, row[0], row[1], row[2]);
            out.add(new Group(g.key(), user, g.inputTokens(), g.outputTokens(), g.cacheReadInputTokens(), g.cacheWriteInputTokens(),
                    g.totalTokens(), g.interceptions(), g.sessions()));
        }
        return out;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
