package io.aibridge.bench.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.bench.BenchOptions;
import io.aibridge.bench.Report;
import io.aibridge.bench.Table;
import io.aibridge.bench.stack.QueryApi;
import io.aibridge.bench.stack.Stack;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Point 4 of the benchmark issue: the sessions list of query-service over the generated data set
 * ({@link SessionDataSet}), first page and a deep cursor page, unfiltered and with each filter, as
 * a client sees it (HTTP, JSON, the bootstrap admin), timed in rounds that visit every case in
 * turn so that a burst of load on this shared machine hits all cases alike. Beside each, the same
 * page answered by {@link RawSessionQuery}, the straightforward aggregation over raw rows, run
 * directly on PostgreSQL over JDBC (no HTTP, no JSON: flattering the baseline).
 */
public final class SessionListBenchmark {

    private static final String SESSIONS = "/api/v2/aibridge/sessions";
    /** How deep the cursor page is: this many sessions down the (filtered) list, or half of it when shorter. */
    private static final int DEEP = 50_000;

    private final Stack stack;
    private final BenchOptions options;
    private final QueryApi api;

    public SessionListBenchmark(Stack stack, BenchOptions options) {
        this.stack = stack;
        this.options = options;
        this.api = new QueryApi(stack.queryUrl(), stack.token());
    }

    /** A case with its cursor, found once before timing. */
    private record Case(SessionFilter filter, long count, Map<String, String> deepParams, RawSessionQuery.Cursor deepCursor, long deepPosition) {
    }

    public static SessionDataSet dataSet(Stack stack, BenchOptions options) {
        return new SessionDataSet(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword(), options.interceptions(), options.sessions(),
                options.users(), options.days(), 11);
    }

    /** Generates the data set (the purge benchmark runs on it afterwards) and measures. */
    public Report run(SessionDataSet.Generated data) throws Exception {
        Report report = new Report("session-list");
        List<SessionFilter> filters = filters(data);
        List<Case> cases = new ArrayList<>();
        for (SessionFilter filter : filters) {
            cases.add(prepare(filter));
        }
        Map<String, URI> others = otherReads(data);
        // warm every path (JIT, connection pool, PostgreSQL's caches) before timing any
        for (int round = 0; round < 3; round++) {
            others.values().forEach(api::getRaw);
            for (Case c : cases) {
                api.getRaw(first(c));
                if (c.deepParams != null) {
                    api.getRaw(deep(c));
                }
            }
            api.getRaw(api.uri("/api/v2/users/me", Map.of()));
        }
        Map<String, Histogram> firstTimes = new LinkedHashMap<>();
        Map<String, Histogram> deepTimes = new LinkedHashMap<>();
        Map<String, Histogram> otherTimes = new LinkedHashMap<>();
        Histogram floor = histogram();
        for (int run = 0; run < options.runs(); run++) {
            for (var other : others.entrySet()) {
                // usage aggregates token rows over its whole range: a tenth of the rounds is plenty
                if (!other.getKey().startsWith("usage") || run % 10 == 0) {
                    otherTimes.computeIfAbsent(other.getKey(), k -> histogram()).recordValue(time(other.getValue()));
                }
            }
            for (Case c : cases) {
                firstTimes.computeIfAbsent(c.filter.name(), k -> histogram()).recordValue(time(first(c)));
                if (c.deepParams != null) {
                    deepTimes.computeIfAbsent(c.filter.name(), k -> histogram()).recordValue(time(deep(c)));
                }
            }
            floor.recordValue(time(api.uri("/api/v2/users/me", Map.of())));
        }
        System.out.println("  API timed; now the straightforward aggregation over raw rows (" + options.rawRuns() + " runs per case)");
        Map<String, Histogram> rawFirst = new LinkedHashMap<>();
        Map<String, Histogram> rawDeep = new LinkedHashMap<>();
        Map<String, String> rawCheck = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword())) {
            try (Statement s = c.createStatement()) {
                s.execute("SET statement_timeout = '300s'");
                s.execute("SET work_mem = '64MB'");
            }
            RawSessionQuery.page(c, SessionFilter.none(), null, 100); // warm the caches for the baseline too
            for (Case k : cases) {
                Histogram first = histogram();
                Histogram deep = histogram();
                RawSessionQuery.Page page = null;
                for (int run = 0; run < options.rawRuns(); run++) {
                    long t0 = System.nanoTime();
                    page = RawSessionQuery.page(c, k.filter, null, 100);
                    first.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                    if (k.deepCursor != null) {
                        long t1 = System.nanoTime();
                        RawSessionQuery.page(c, k.filter, k.deepCursor, 100);
                        deep.recordValue(Math.max(1, (System.nanoTime() - t1) / 1000));
                    }
                }
                rawFirst.put(k.filter.name(), first);
                rawDeep.put(k.filter.name(), deep);
                rawCheck.put(k.filter.name(), page.count() == k.count ? "same count" : "count " + page.count() + " ≠ API " + k.count);
                System.out.printf(Locale.ROOT, "  raw %s: p50 %.0f ms%n", k.filter.name(), first.getValueAtPercentile(50) / 1000.0);
            }
        }

        Table table = new Table(String.format(Locale.ROOT, "Sessions list: %,d interceptions in %,d sessions, %d users, %d days; "
                        + "ms, p50 / p95 of %d rounds (API) and %d runs (raw aggregation)", data.interceptions(), data.sessions(), data.users(),
                options.days(), options.runs(), options.rawRuns()),
                "filter", "matching sessions", "API first page", "API deep page (cursor at)", "raw aggregation first page",
                "raw aggregation deep page", "summary vs raw, first page p50");
        Map<String, Object> raw = new LinkedHashMap<>();
        for (Case c : cases) {
            String name = c.filter.name();
            Histogram f = firstTimes.get(name);
            Histogram d = deepTimes.get(name);
            Histogram rf = rawFirst.get(name);
            Histogram rd = rawDeep.get(name);
            table.row(name, Table.count(c.count), p5095(f),
                    d == null ? "–" : p5095(d) + " (" + Table.count(c.deepPosition) + ")",
                    p5095(rf) + (rawCheck.get(name).equals("same count") ? "" : " (" + rawCheck.get(name) + ")"),
                    rd.getTotalCount() == 0 ? "–" : p5095(rd),
                    String.format(Locale.ROOT, "%.0f× faster", rf.getValueAtPercentile(50) / (double) f.getValueAtPercentile(50)));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("params", c.filter.params());
            row.put("count", c.count);
            row.put("api_first_ms", percentiles(f));
            row.put("api_deep_ms", d == null ? null : percentiles(d));
            row.put("deep_position", c.deepPosition);
            row.put("raw_first_ms", percentiles(rf));
            row.put("raw_deep_ms", rd.getTotalCount() == 0 ? null : percentiles(rd));
            row.put("raw_check", rawCheck.get(name));
            raw.put(name, row);
        }
        table.row("floor: GET /api/v2/users/me (HTTP + authentication, no database)", "", p5095(floor), "", "", "", "");
        report.table(table);
        Table otherTable = new Table("Other reads over the same data set (admin, through HTTP): ms, p50 / p95", "request", "p50 / p95 ms", "runs");
        Map<String, Object> otherRaw = new LinkedHashMap<>();
        otherTimes.forEach((name, h) -> {
            otherTable.row(name, p5095(h), Table.count(h.getTotalCount()));
            otherRaw.put(name, percentiles(h));
        });
        report.table(otherTable);
        report.data("other_reads_ms", otherRaw);
        report.data("cases", raw);
        report.data("floor_ms", percentiles(floor));
        report.data("data_set", Map.of("interceptions", data.interceptions(), "sessions", data.sessions(), "users", data.users(),
                "child_rows", data.childRows(), "from", data.from().toString(), "to", data.to().toString(), "generated_in_s", data.took().toSeconds()));
        double worst = 0;
        String worstName = "";
        for (Case c : cases) {
            double p95 = firstTimes.get(c.filter.name()).getValueAtPercentile(95) / 1000.0;
            if (p95 > worst) {
                worst = p95;
                worstName = c.filter.name();
            }
        }
        report.note(worst < 50
                ? String.format(Locale.ROOT, "Target met: every first page p95 < 50 ms (slowest: %s, %.1f ms).", worstName, worst)
                : String.format(Locale.ROOT, "TARGET MISSED: first page p95 %.1f ms for %s, target < 50 ms: %.1f ms over.", worst, worstName, worst - 50));
        for (Case c : cases) {
            double p95 = firstTimes.get(c.filter.name()).getValueAtPercentile(95) / 1000.0;
            if (p95 >= 50 && !c.filter.name().equals(worstName)) {
                report.note(String.format(Locale.ROOT, "Also over 50 ms at p95: %s, %.1f ms.", c.filter.name(), p95));
            }
        }
        report.note(String.format(Locale.ROOT, "Data set generated in %d s (%,d child rows: token usages, prompts, tool calls, thoughts), "
                        + "summaries by aibridge_refresh_sessions, then VACUUM ANALYZE.", data.took().toSeconds(), data.childRows()));
        report.note("The raw aggregation runs over JDBC on the database directly (no HTTP, no JSON, work_mem 64MB); "
                + "'same count' means it found as many matching sessions as the API, so both answer the same question.");
        return report;
    }

    private List<SessionFilter> filters(SessionDataSet.Generated data) {
        String heavy = data.usernames().get(0);
        Instant lastWeek = data.to().minus(Duration.ofDays(7));
        Instant firstWeek = data.from().plus(Duration.ofDays(7));
        List<SessionFilter> filters = new ArrayList<>();
        filters.add(SessionFilter.none());
        filters.add(new SessionFilter("initiator (the busiest user)", Map.of("initiator", heavy), true, "v.initiator_id = ?",
                List.of(SessionDataSet.userId(0))));
        filters.add(new SessionFilter("provider=openai", Map.of("provider", "openai"), false, "v.provider = ?", List.of("openai")));
        filters.add(new SessionFilter("model=claude-opus-4-1", Map.of("model", "claude-opus-4-1"), false, "v.model = ?", List.of("claude-opus-4-1")));
        filters.add(new SessionFilter("client=Codex", Map.of("client", "Codex"), false, "coalesce(v.client, 'Unknown') = ?", List.of("Codex")));
        filters.add(new SessionFilter("session_id", Map.of("session_id", data.someSessionId()), true, "v.session_id = ?",
                List.of(data.someSessionId())));
        filters.add(new SessionFilter("started_after (last 7 days)", Map.of("started_after", lastWeek.toString()), false, "v.started_at >= ?",
                List.of(lastWeek)));
        filters.add(new SessionFilter("started_before (first 7 days)", Map.of("started_before", firstWeek.toString()), false, "v.started_at <= ?",
                List.of(firstWeek)));
        return filters;
    }

    /** The query API's other lists over the same data, for query-service's README: what a dashboard asks besides sessions. */
    private Map<String, URI> otherReads(SessionDataSet.Generated data) {
        Instant lastDay = data.to().minus(Duration.ofDays(1));
        Instant lastWeek = data.to().minus(Duration.ofDays(7));
        Map<String, URI> reads = new LinkedHashMap<>();
        reads.put("session detail (one session)", api.uri(SESSIONS + "/" + URLEncoder.encode(data.someSessionId(), StandardCharsets.UTF_8).replace("+", "%20"), Map.of()));
        reads.put("interceptions, first page (exact count)", api.uri("/api/v2/aibridge/interceptions", Map.of()));
        reads.put("interceptions, model=claude-opus-4-1", api.uri("/api/v2/aibridge/interceptions", Map.of("model", "claude-opus-4-1")));
        reads.put("models", api.uri("/api/v2/aibridge/models", Map.of()));
        reads.put("clients", api.uri("/api/v2/aibridge/clients", Map.of()));
        reads.put("usage by user, last day", api.uri("/api/v2/aibridge/usage", Map.of("started_after", lastDay.toString())));
        reads.put("usage by user, last 7 days", api.uri("/api/v2/aibridge/usage", Map.of("started_after", lastWeek.toString())));
        reads.put("usage by model, all " + options.days() + " days", api.uri("/api/v2/aibridge/usage", Map.of("group_by", "model")));
        return reads;
    }

    private Case prepare(SessionFilter filter) {
        Map<String, String> params = new LinkedHashMap<>(filter.params());
        params.put("limit", "1");
        long count = api.get(SESSIONS, params).path("count").asLong();
        long position = Math.min(DEEP, count / 2);
        if (position < 200) {
            return new Case(filter, count, null, null, 0);
        }
        params.put("offset", Long.toString(position - 1));
        JsonNode session = api.get(SESSIONS, params).path("sessions").get(0);
        Map<String, String> deep = new LinkedHashMap<>(filter.params());
        deep.put("after_session_id", session.path("id").asText());
        // the exact cursor: a session id alone is refused when several users share it
        deep.put("after_initiator_id", session.path("initiator").path("id").asText());
        RawSessionQuery.Cursor cursor = new RawSessionQuery.Cursor(Instant.parse(session.path("last_active_at").asText()),
                session.path("id").asText(), UUID.fromString(session.path("initiator").path("id").asText()));
        return new Case(filter, count, deep, cursor, position);
    }

    private URI first(Case c) {
        return api.uri(SESSIONS, c.filter.params());
    }

    private URI deep(Case c) {
        return api.uri(SESSIONS, c.deepParams);
    }

    private long time(URI uri) {
        long start = System.nanoTime();
        api.getRaw(uri);
        return Math.max(1, (System.nanoTime() - start) / 1000);
    }

    private static Histogram histogram() {
        return new Histogram(1, TimeUnit.MINUTES.toMicros(10), 3);
    }

    private static String p5095(Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return "–";
        }
        return Table.ms(h.getValueAtPercentile(50) / 1000.0) + " / " + Table.ms(h.getValueAtPercentile(95) / 1000.0);
    }

    private static Map<String, Double> percentiles(Histogram h) {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put("p50", h.getValueAtPercentile(50) / 1000.0);
        map.put("p95", h.getValueAtPercentile(95) / 1000.0);
        map.put("max", h.getMaxValue() / 1000.0);
        map.put("runs", (double) h.getTotalCount());
        return map;
    }
}
