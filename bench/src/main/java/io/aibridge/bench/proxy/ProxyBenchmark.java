package io.aibridge.bench.proxy;

import io.aibridge.bench.BenchOptions;
import io.aibridge.bench.Report;
import io.aibridge.bench.Table;
import io.aibridge.bench.load.LoadGenerator;
import io.aibridge.bench.load.LoadResult;
import io.aibridge.bench.load.LoadTarget;
import io.aibridge.bench.stack.DatabaseHousekeeping;
import io.aibridge.bench.stack.Jfr;
import io.aibridge.bench.stack.Prometheus;
import io.aibridge.bench.stack.QueryApi;
import io.aibridge.bench.stack.Resources;
import io.aibridge.bench.stack.Stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Points 1 and 2 of the benchmark issue: the same fixed-rate load sent straight to the fake provider
 * and through the proxy (with Kafka, the recorder and PostgreSQL running and recording every
 * request), side by side, and the rate at which the proxy's p99 overhead passes a limit.
 *
 * <p>Each measurement runs the direct target and then the proxy at the same rate, each with a short
 * warm-up that is not counted; after a proxied run it waits until the recorder has stored as many
 * interceptions as requests were sent (counted through the query API), so the next measurement
 * does not pay for the previous one's recording.
 */
public final class ProxyBenchmark {

    private final Stack stack;
    private final BenchOptions options;
    private final QueryApi api;
    private final String token;
    private int runNumber;

    public ProxyBenchmark(Stack stack, BenchOptions options) {
        this.stack = stack;
        this.options = options;
        this.token = stack.token();
        this.api = new QueryApi(stack.queryUrl(), token);
    }

    /**
     * One rate, both targets.
     *
     * @param directHousekeeping tables PostgreSQL's autovacuum vacuumed or analyzed while the direct run was measured
     * @param proxyHousekeeping  the same while the proxied run was measured ({@link DatabaseHousekeeping})
     */
    record Pair(String mode, int rate, LoadResult direct, LoadResult proxy, Map<String, Resources.Usage> proxyUsage,
                Map<String, Resources.Usage> directUsage, long refused, long recorded, double recordedAfterSeconds,
                List<String> directHousekeeping, List<String> proxyHousekeeping) {

        /** Interceptions the run should leave: every request sent but those the proxy refused at its capacity (never recorded). */
        long expected() {
            return proxy.sentAll() - refused;
        }

        double overhead(double percentile) {
            return proxy.latencyMs(percentile) - direct.latencyMs(percentile);
        }

        double ttfbOverhead(double percentile) {
            return proxy.ttfbMs(percentile) - direct.ttfbMs(percentile);
        }
    }

    // ------------------------------------------------------------------------------------- point 1

    public Report overhead() throws Exception {
        Report report = new Report("proxy-overhead");
        List<Pair> pairs = new ArrayList<>();
        try (LoadGenerator generator = new LoadGenerator(8192)) {
            warmUp(generator);
            for (String mode : options.modes()) {
                for (int rate : options.rates()) {
                    Pair pair = measure(generator, mode, rate, Duration.ofSeconds(options.warmupSeconds()), Duration.ofSeconds(options.seconds()));
                    pairs.add(pair);
                    System.out.printf(Locale.ROOT, "  %s %d req/s: direct p50 %.1f / p99 %.1f ms, proxy p50 %.1f / p99 %.1f ms (overhead p99 %+.2f ms), recorded %d of %d%n",
                            mode, rate, pair.direct.latencyMs(50), pair.direct.latencyMs(99), pair.proxy.latencyMs(50), pair.proxy.latencyMs(99),
                            pair.overhead(99), pair.recorded, pair.proxy.sentAll());
                }
            }
            for (String mode : options.modes()) {
                report.table(latencyTable(mode, pairs.stream().filter(p -> p.mode.equals(mode)).toList()));
            }
            report.table(resourceTable(pairs));
            targets(report, pairs);
            if (options.profile()) {
                profile(generator, report);
            }
        }
        report.note(String.format(Locale.ROOT, "Load: Anthropic Messages, Claude Code headers, 100 sessions; fake provider scenario tool-call "
                        + "(%d SSE frames streamed), time to first byte %d ms, %d ms between frames; request body %d bytes; %d s measured after %d s warm-up per run.",
                14, options.ttfbMs(), options.chunkDelayMs(), ProviderRequests.body(false, options.padKb()).length, options.seconds(), options.warmupSeconds()));
        report.note("Latency and TTFB run from each request's intended start on the fixed-rate schedule (open loop, no coordinated omission), "
                + "recorded in HdrHistogram; overhead = proxy percentile − direct percentile at the same rate.");
        List<Map<String, Object>> raw = new ArrayList<>();
        pairs.forEach(p -> raw.add(pairMap(p)));
        report.data("runs", raw);
        return report;
    }

    private void warmUp(LoadGenerator generator) throws InterruptedException {
        int seconds = 2 * options.warmupSeconds();
        if (seconds == 0) {
            return;
        }
        System.out.printf("  warming up the proxy, the fake provider and this generator (%d s per target and mode)%n", seconds);
        for (String mode : options.modes()) {
            boolean streaming = mode.equals("streaming");
            generator.run(direct(streaming), 200, Duration.ZERO, Duration.ofSeconds(seconds));
            generator.run(proxied(streaming, "warmup"), 200, Duration.ZERO, Duration.ofSeconds(seconds));
        }
    }

    private LoadTarget direct(boolean streaming) {
        return ProviderRequests.direct(stack.fakeUrl(), streaming, options.padKb(), options.ttfbMs(), options.chunkDelayMs());
    }

    private LoadTarget proxied(boolean streaming, String run) {
        return ProviderRequests.proxied(stack.proxyUrl(), token, run, streaming, options.padKb(), options.ttfbMs(), options.chunkDelayMs());
    }

    Pair measure(LoadGenerator generator, String mode, int rate, Duration warmup, Duration measured) throws InterruptedException {
        boolean streaming = mode.equals("streaming");
        LoadResult direct;
        Map<String, Resources.Usage> directUsage;
        try (Resources resources = new Resources(stack)) {
            direct = generator.run(direct(streaming), rate, warmup, measured);
            directUsage = resources.usage();
        }
        LoadResult proxy;
        Map<String, Resources.Usage> proxyUsage;
        double refusedBefore = refusedAtCapacity();
        try (Resources resources = new Resources(stack)) {
            proxy = generator.run(proxied(streaming, "r" + (++runNumber)), rate, warmup, measured);
            proxyUsage = resources.usage();
        }
        long refused = Math.round(refusedAtCapacity() - refusedBefore);
        List<String> directHousekeeping = DatabaseHousekeeping.during(stack, direct.runStart().plus(warmup), direct.runEnd());
        List<String> proxyHousekeeping = DatabaseHousekeeping.during(stack, proxy.runStart().plus(warmup), proxy.runEnd());
        long waitStart = System.nanoTime();
        long recorded = waitForRecording(proxy, proxy.sentAll() - refused);
        return new Pair(mode, rate, direct, proxy, proxyUsage, directUsage, refused, recorded, (System.nanoTime() - waitStart) / 1e9,
                directHousekeeping, proxyHousekeeping);
    }

    /** Waits until the recorder has stored the {@code expected} interceptions of a proxied run (or stopped storing them). */
    private long waitForRecording(LoadResult run, long expected) throws InterruptedException {
        return api.awaitInterceptions(run.runStart().minusSeconds(1), run.runEnd().plusSeconds(1), expected);
    }

    /** Requests the proxy has refused at {@code AIBRIDGE_MAX_CONCURRENCY} since it started (0 when it sets none). */
    private double refusedAtCapacity() {
        return Prometheus.scrape(stack.proxyUrl()).sum("aibridge_capacity_refused_total");
    }

    private Table latencyTable(String mode, List<Pair> pairs) {
        Table table = new Table("Proxy overhead, " + mode + ": latency and time to first byte in ms (direct → through the proxy, and the difference)",
                "req/s", "direct p50 / p99 / p99.9", "proxy p50 / p99 / p99.9", "overhead p50 / p99 / p99.9",
                "TTFB direct p50 / p99", "TTFB proxy p50 / p99", "TTFB overhead p50 / p99", "achieved req/s direct / proxy", "errors direct / proxy");
        for (Pair p : pairs) {
            table.row(p.rate,
                    Table.ms(p.direct.latencyMs(50)) + " / " + Table.ms(p.direct.latencyMs(99)) + " / " + Table.ms(p.direct.latencyMs(99.9)),
                    Table.ms(p.proxy.latencyMs(50)) + " / " + Table.ms(p.proxy.latencyMs(99)) + " / " + Table.ms(p.proxy.latencyMs(99.9)),
                    Table.deltaMs(p.overhead(50)) + " / " + Table.deltaMs(p.overhead(99)) + " / " + Table.deltaMs(p.overhead(99.9)),
                    Table.ms(p.direct.ttfbMs(50)) + " / " + Table.ms(p.direct.ttfbMs(99)),
                    Table.ms(p.proxy.ttfbMs(50)) + " / " + Table.ms(p.proxy.ttfbMs(99)),
                    Table.deltaMs(p.ttfbOverhead(50)) + " / " + Table.deltaMs(p.ttfbOverhead(99)),
                    Table.fixed(p.direct.achieved(), 0) + " / " + Table.fixed(p.proxy.achieved(), 0),
                    p.direct.errorSummary() + " / " + p.proxy.errorSummary());
        }
        return table;
    }

    private Table resourceTable(List<Pair> pairs) {
        Table table = new Table("Proxy overhead: the proxy's memory and CPU, its neighbours' CPU (cores; 1.0 = one core busy), and interceptions recorded",
                "mode, req/s", "proxy peak RSS MB", "proxy CPU", "recorder CPU", "Kafka CPU", "PostgreSQL CPU", "fake provider CPU (direct / proxied)",
                "generator CPU (direct / proxied)", "recorded / sent", "all recorded after");
        for (Pair p : pairs) {
            table.row(p.mode + ", " + p.rate,
                    Table.fixed(p.proxyUsage.get("proxy-service").peakRssMb(), 0),
                    Table.fixed(p.proxyUsage.get("proxy-service").cpuCores(), 2),
                    Table.fixed(p.proxyUsage.get("recorder-service").cpuCores(), 2),
                    Table.fixed(p.proxyUsage.get("kafka").cpuCores(), 2),
                    Table.fixed(p.proxyUsage.get("postgres").cpuCores(), 2),
                    Table.fixed(p.directUsage.get("fake-provider").cpuCores(), 2) + " / " + Table.fixed(p.proxyUsage.get("fake-provider").cpuCores(), 2),
                    Table.fixed(p.directUsage.get("bench").cpuCores(), 2) + " / " + Table.fixed(p.proxyUsage.get("bench").cpuCores(), 2),
                    Table.count(p.recorded) + " / " + Table.count(p.proxy.sentAll())
                            + (p.refused > 0 ? " (" + Table.count(p.refused) + " refused at capacity)" : ""),
                    p.recorded >= p.expected() ? Table.fixed(p.recordedAfterSeconds, 1) + " s" : "missing " + (p.expected() - p.recorded));
        }
        return table;
    }

    private void targets(Report report, List<Pair> pairs) {
        pairs.stream().filter(p -> p.mode.equals("blocking") && p.rate == 500).findFirst().ifPresent(p -> {
            report.note(verdict("blocking overhead p50 at 500 req/s", p.overhead(50), 1.0));
            report.note(verdict("blocking overhead p99 at 500 req/s", p.overhead(99), 5.0));
        });
        for (Pair p : pairs) {
            if (p.mode.equals("streaming")) {
                report.note(verdict("streaming TTFB overhead p99 at " + p.rate + " req/s", p.ttfbOverhead(99), 2.0));
            }
        }
        for (Pair p : pairs) {
            List<String> runs = new ArrayList<>();
            if (!p.proxyHousekeeping.isEmpty()) {
                runs.add("proxied run: " + String.join(", ", p.proxyHousekeeping));
            }
            if (!p.directHousekeeping.isEmpty()) {
                runs.add("direct run: " + String.join(", ", p.directHousekeeping));
            }
            if (!runs.isEmpty()) {
                report.note(String.format(Locale.ROOT, "PostgreSQL's autovacuum ran while %s %d req/s was measured (%s): on the same two cores it "
                        + "leaves the proxy and the fake provider no idle CPU for a few seconds, so that run's tail is the database's "
                        + "housekeeping as much as the proxy's.", p.mode, p.rate, String.join("; ", runs)));
            }
        }
        pairs.stream().filter(p -> p.recorded < p.expected()).forEach(p -> report.note(String.format(Locale.ROOT,
                "NOT ALL RECORDED: %s %d req/s: %d of %d interceptions visible in the query API", p.mode, p.rate, p.recorded, p.expected())));
        pairs.stream().filter(p -> p.refused > 0).forEach(p -> report.note(String.format(Locale.ROOT,
                "%s %d req/s: the proxy refused %d requests at its AIBRIDGE_MAX_CONCURRENCY (503, counted as errors, not recorded);"
                        + " the latencies are those of the requests it served", p.mode, p.rate, p.refused)));
    }

    static String verdict(String what, double value, double limit) {
        if (value < 0) {
            return String.format(Locale.ROOT, "Target met: %s %+.2f ms (target < %.0f ms); below zero, the direct run's tail was the worse: "
                    + "noise of the shared machine larger than the proxy's overhead.", what, value, limit);
        }
        return value <= limit
                ? String.format(Locale.ROOT, "Target met: %s %+.2f ms (target < %.0f ms).", what, value, limit)
                : String.format(Locale.ROOT, "TARGET MISSED: %s %+.2f ms, target < %.0f ms: %.2f ms (%.1f×) over.", what, value, limit,
                value - limit, value / limit);
    }

    /** A proxied run at 500 req/s (blocking) with Flight Recorder on the proxy, after the measured runs so it cannot skew them. */
    private void profile(LoadGenerator generator, Report report) throws Exception {
        long pid = stack.requirePid("proxy-service");
        Path file = options.results().resolve("proxy-500rps-blocking.jfr");
        System.out.println("  profiling the proxy at 500 req/s (blocking) with JFR for " + Math.max(10, options.seconds()) + " s");
        Jfr.start(pid);
        LoadResult profiled;
        try {
            profiled = generator.run(proxied(false, "profile"), 500, Duration.ofSeconds(2), Duration.ofSeconds(Math.max(10, options.seconds())));
        } finally {
            Jfr.stop(pid, file);
        }
        Jfr.Profile profile = Jfr.summarize(file, 15);
        profile.tables("proxy-service, blocking at 500 req/s").forEach(report::table);
        report.note(String.format(Locale.ROOT, "Profiled run (JFR on, not in the tables above): proxy p50 %.1f ms, p99 %.1f ms; recording %s.",
                profiled.latencyMs(50), profiled.latencyMs(99), file.getFileName()));
        report.data("profile", Map.of("top_frames", profile.topFrames(), "libraries", profile.topLibraries(),
                "own_frames", profile.topOwnFrames(), "samples", profile.samples()));
    }

    // ------------------------------------------------------------------------------------- point 2

    /**
     * Raises the blocking rate by half each step until the proxy's p99 overhead passes the limit
     * (or requests fail), then halves the interval twice: the highest rate that stayed under the
     * limit is the answer on this machine.
     */
    public Report maxThroughput() throws Exception {
        Report report = new Report("max-throughput");
        Table table = new Table(String.format(Locale.ROOT, "Maximum throughput: blocking, rate raised until the proxy's p99 overhead passes %.0f ms",
                options.overheadLimitMs()),
                "req/s", "direct p99 ms", "proxy p99 ms", "overhead p50 / p99 ms", "achieved direct / proxy", "errors direct / proxy",
                "proxy CPU", "whole machine CPU (all measured processes)", "generator send lag max ms", "verdict");
        List<Map<String, Object>> raw = new ArrayList<>();
        Duration warmup = Duration.ofSeconds(options.warmupSeconds());
        Duration measured = Duration.ofSeconds(options.searchSeconds());
        int good = 0;
        int bad = -1;
        int rate = options.searchStartRate();
        try (LoadGenerator generator = new LoadGenerator(16384)) {
            warmUp(generator);
            while (bad < 0 && rate <= options.searchMaxRate()) {
                Pair pair = measure(generator, "blocking", rate, warmup, measured);
                boolean pass = passes(pair);
                row(table, pair, pass);
                raw.add(pairMap(pair));
                if (pass) {
                    good = rate;
                    rate = Math.max(rate + 1, (int) Math.round(rate * 1.5 / 50) * 50);
                } else {
                    bad = rate;
                }
            }
            for (int step = 0; step < 2 && bad > 0 && bad - good > 50; step++) {
                int middle = (int) Math.round((good + bad) / 2.0 / 25) * 25;
                Pair pair = measure(generator, "blocking", middle, warmup, measured);
                boolean pass = passes(pair);
                row(table, pair, pass);
                raw.add(pairMap(pair));
                if (pass) {
                    good = middle;
                } else {
                    bad = middle;
                }
            }
        }
        report.table(table);
        if (bad < 0) {
            report.note("The overhead never passed the limit up to " + good + " req/s (the highest rate tried; --search-max).");
        } else if (good == 0) {
            report.note(String.format(Locale.ROOT, "Result: the proxy's p99 overhead passed %.0f ms at every rate tried, down to %d req/s, "
                    + "so no rate on this machine at this load stays under it; see the proxy CPU column for whether the proxy or the "
                    + "machine's other work set the tail (start lower with --search-start).", options.overheadLimitMs(), bad));
        } else {
            report.note(String.format(Locale.ROOT, "Result: the proxy's p99 overhead stays under %.0f ms up to %d req/s and passes it at %d req/s "
                    + "(on this 2-core machine, with the fake provider, Kafka, the recorder, PostgreSQL and this generator on the same cores).",
                    options.overheadLimitMs(), good, bad));
        }
        report.data("max_rate_under_limit", good);
        report.data("first_rate_over_limit", bad);
        report.data("runs", raw);
        return report;
    }

    private boolean passes(Pair pair) {
        double errorRate = (double) pair.proxy.errorCount() / Math.max(1, pair.proxy.sent());
        return pair.overhead(99) <= options.overheadLimitMs() && errorRate < 0.001;
    }

    private static void row(Table table, Pair p, boolean pass) {
        double all = 0;
        for (Resources.Usage usage : p.proxyUsage.values()) {
            all += usage.cpuCores();
        }
        table.row(p.rate, Table.ms(p.direct.latencyMs(99)), Table.ms(p.proxy.latencyMs(99)),
                Table.deltaMs(p.overhead(50)) + " / " + Table.deltaMs(p.overhead(99)),
                Table.fixed(p.direct.achieved(), 0) + " / " + Table.fixed(p.proxy.achieved(), 0),
                p.direct.errorSummary() + " / " + p.proxy.errorSummary(),
                Table.fixed(p.proxyUsage.get("proxy-service").cpuCores(), 2), Table.fixed(all, 2),
                Table.fixed(Math.max(p.direct.maxSendLagMs(), p.proxy.maxSendLagMs()), 1), pass ? "under" : "OVER");
        System.out.printf(Locale.ROOT, "  %d req/s: overhead p99 %+.2f ms, proxy CPU %.2f cores: %s%n", p.rate, p.overhead(99),
                p.proxyUsage.get("proxy-service").cpuCores(), pass ? "under" : "over");
    }

    private static Map<String, Object> pairMap(Pair p) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("mode", p.mode);
        map.put("rate", p.rate);
        map.put("direct", resultMap(p.direct));
        map.put("proxy", resultMap(p.proxy));
        map.put("overhead_ms", Map.of("p50", p.overhead(50), "p99", p.overhead(99), "p99_9", p.overhead(99.9)));
        map.put("ttfb_overhead_ms", Map.of("p50", p.ttfbOverhead(50), "p99", p.ttfbOverhead(99)));
        Map<String, Object> usage = new LinkedHashMap<>();
        p.proxyUsage.forEach((k, v) -> usage.put(k, Map.of("cpu_cores", v.cpuCores(), "peak_rss_mb", v.peakRssMb())));
        map.put("usage_during_proxied_run", usage);
        Map<String, Object> directUsage = new LinkedHashMap<>();
        p.directUsage.forEach((k, v) -> directUsage.put(k, Map.of("cpu_cores", v.cpuCores(), "peak_rss_mb", v.peakRssMb())));
        map.put("usage_during_direct_run", directUsage);
        map.put("interceptions_recorded", p.recorded);
        map.put("refused_at_capacity", p.refused);
        map.put("requests_sent", p.proxy.sentAll());
        map.put("recorded_after_s", p.recordedAfterSeconds);
        map.put("autovacuum_during_direct_run", p.directHousekeeping);
        map.put("autovacuum_during_proxied_run", p.proxyHousekeeping);
        return map;
    }

    private static Map<String, Object> resultMap(LoadResult r) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("rate", r.rate());
        map.put("sent", r.sent());
        map.put("ok", r.ok());
        map.put("errors", r.errors());
        map.put("achieved_rps", r.achieved());
        map.put("max_send_lag_ms", r.maxSendLagMs());
        Map<String, Double> latency = new LinkedHashMap<>();
        Map<String, Double> ttfb = new LinkedHashMap<>();
        for (double p : new double[]{50, 90, 99, 99.9, 100}) {
            String key = "p" + (p == 99.9 ? "99_9" : p == 100 ? "max" : String.valueOf((int) p));
            latency.put(key, r.latencyMs(p));
            ttfb.put(key, r.ttfbMs(p));
        }
        map.put("latency_ms", latency);
        map.put("ttfb_ms", ttfb);
        map.put("run_start", r.runStart().toString());
        map.put("run_end", r.runEnd().toString());
        return map;
    }
}
