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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * Usage totals per group, aggregated from the interceptions in the range and their token rows. The
 * token rows carry the interception's start, so the range prunes both tables to the same days, and
 * the two are joined and aggregated day partition by day partition. The cost grows with the number
 * of matching interceptions in the range (about a second per million on a small machine); give a range.
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
            planSettings(c);
            Sql sql = reportSql(caller, filters, groupBy);
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
            return new UsageReport(groupBy.name().toLowerCase(Locale.ROOT), orderBy.name().toLowerCase(Locale.ROOT),
                    filters.startedAfter(), filters.startedBefore(), count, totals, List.copyOf(top));
        });
    }

    /** Settings for the report's transaction. */
    static void planSettings(Connection c) throws SQLException {
        try (Statement settings = c.createStatement()) {
            // Both tables are partitioned by the same day key: join and aggregate them day by day,
            // with hash tables of one day each, in memory.
            settings.execute("SET LOCAL enable_partitionwise_join = on");
            settings.execute("SET LOCAL enable_partitionwise_aggregate = on");
            settings.execute("SET LOCAL work_mem = '64MB'");
        }
    }

    /**
     * The report's query. tok: token sums per interception; s: per group and session (for the
     * sessions count); then per group, plus a total row whose sessions are counted once however
     * many groups they span. The interception filters restrict s; PostgreSQL does not carry them
     * into the grouped tok, so when they narrow the interceptions (a member's own, one initiator,
     * session, provider, model or client) tok reads only the token rows of the matching
     * interceptions through a semi-join on their key (id and partition key), not every user's.
     * Without such a filter every visible interception in the range matches, and the range alone
     * bounds tok, which keeps the unfiltered report one partition-wise hash join.
     */
    static Sql reportSql(Caller caller, Filters filters, GroupBy groupBy) {
        Sql sql = new Sql("WITH tok AS (SELECT t.interception_id, t.interception_started_at, sum(t.input_tokens) AS input,"
                + " sum(t.output_tokens) AS output, sum(t.cache_read_input_tokens) AS cache_read,"
                + " sum(t.cache_write_input_tokens) AS cache_write FROM aibridge_token_usages t WHERE TRUE");
        if (filters.startedAfter() != null) {
            sql.append(" AND t.interception_started_at >= ?", filters.startedAfter());
        }
        if (filters.startedBefore() != null) {
            sql.append(" AND t.interception_started_at <= ?", filters.startedBefore());
        }
        if (narrowsInterceptions(caller, filters)) {
            sql.append(" AND (t.interception_id, t.interception_started_at) IN"
                    + " (SELECT m.id, m.started_at FROM aibridge_interceptions m WHERE TRUE");
            FilterSql.visibleMatching(sql, "m", caller, filters);
            sql.append(")");
        }
        sql.append(" GROUP BY 1, 2), s AS (SELECT " + groupBy.expression + " AS k, i.session_id, i.initiator_id,"
                + " count(*) AS n, coalesce(sum(tok.input), 0) AS input, coalesce(sum(tok.output), 0) AS output,"
                + " coalesce(sum(tok.cache_read), 0) AS cache_read, coalesce(sum(tok.cache_write), 0) AS cache_write"
                + " FROM aibridge_interceptions i"
                + " LEFT JOIN tok ON tok.interception_id = i.id AND tok.interception_started_at = i.started_at WHERE TRUE");
        FilterSql.visibleMatching(sql, "i", caller, filters);
        sql.append(" GROUP BY 1, 2, 3)"
                + " SELECT k, GROUPING(k) AS g, sum(n) AS interceptions, sum(input) AS input, sum(output) AS output,"
                + " sum(cache_read) AS cache_read, sum(cache_write) AS cache_write,"
                + " CASE WHEN GROUPING(k) = 1 THEN (SELECT count(*) FROM (SELECT DISTINCT session_id, initiator_id FROM s) d)"
                + " ELSE count(*) END AS sessions"
                + " FROM s GROUP BY GROUPING SETS ((k), ())");
        return sql;
    }

    private static boolean narrowsInterceptions(Caller caller, Filters f) {
        return caller.restrictedTo().isPresent() || f.initiator() != null || f.sessionId() != null || f.provider() != null
                || f.model() != null || f.client() != null;
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
