package io.aibridge.bench.proxy;

import io.aibridge.bench.BenchOptions;
import io.aibridge.bench.Report;
import io.aibridge.bench.Table;
import io.aibridge.bench.load.LoadGenerator;
import io.aibridge.bench.load.LoadResult;
import io.aibridge.bench.load.LoadTarget;
import io.aibridge.bench.stack.DatabaseHousekeeping;
import io.aibridge.bench.stack.Jfr;
import io.aibridge.bench.stack.ProcessStats;
import io.aibridge.bench.stack.Prometheus;
import io.aibridge.bench.stack.QueryApi;
import io.aibridge.bench.stack.Resources;
import io.aibridge.bench.stack.Stack;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
 * does not pay for the previous one's recording. With {@code --alternations N} the overhead
 * benchmark measures N such pairs per mode and rate, alternating which side goes first, and judges
 * the overhead on the pooled runs ({@link PooledPairs}); the throughput search keeps one pair per
 * step.
 */
public final class ProxyBenchmark {

    private final Stack stack;
    private final BenchOptions options;
    private final QueryApi api;
    private final String token;
    /**
     * A proxied run's interceptions are counted in its time range widened by this much on each
     * side (the proxy stamps them with its own clock, a little after the generator's).
     */
    private static final Duration COUNT_MARGIN = Duration.ofSeconds(1);

    private int runNumber;
    /** When the last proxied run ended: the next one starts more than two {@link #COUNT_MARGIN}s later. */
    private Instant lastProxiedEnd;

    public ProxyBenchmark(Stack stack, BenchOptions options) {
        this.stack = stack;
        this.options = options;
        this.token = stack.token();
        this.api = new QueryApi(stack.queryUrl(), token);
    }

    /**
     * One pair of runs at one rate: the direct target and the proxy, in the given order.
     *
     * @param directHousekeeping tables PostgreSQL's autovacuum vacuumed or analyzed while the direct run was measured
     * @param proxyHousekeeping  the same while the proxied run was measured ({@link DatabaseHousekeeping})
     * @param proxyThreads       the proxy's CPU during its run by thread group ({@link ProcessStats#THREAD_GROUPS}), in cores
     */
    record Pair(String mode, int rate, PooledPairs.Order order, LoadResult direct, LoadResult proxy, Map<String, Resources.Usage> proxyUsage,
                Map<String, Resources.Usage> directUsage, long refused, long recorded, double recordedAfterSeconds,
                List<String> directHousekeeping, List<String> proxyHousekeeping, Map<String, Double> proxyThreads) {

        /** Interceptions the run should leave: every request sent but those the proxy refused at its capacity (never recorded). */
        long expected() {
            return proxy.sentAll() - refused;
        }

        double overhead(double percentile) {
            return proxy.latencyOverMs(direct, percentile);
        }

        double ttfbOverhead(double percentile) {
            return proxy.ttfbOverMs(direct, percentile);
        }
    }

    /** One mode and rate of the overhead benchmark: its {@code --alternations} pairs, in the order they ran, and their pool. */
    record Point(String mode, int rate, List<Pair> pairs, PooledPairs pooled) {

        static Point of(List<Pair> pairs) {
            List<PooledPairs.Alternation> alternations = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                Pair p = pairs.get(i);
                alternations.add(new PooledPairs.Alternation(i + 1, p.order, p.direct, p.proxy));
            }
            return new Point(pairs.get(0).mode, pairs.get(0).rate, List.copyOf(pairs), new PooledPairs(alternations));
        }

        /** "blocking 500 req/s", and the pair's number when there are several. */
        String name(int pairIndex) {
            return mode + " " + rate + " req/s" + (pairs.size() > 1 ? " (pair " + pairIndex + " of " + pairs.size() + ")" : "");
        }
    }

    // ------------------------------------------------------------------------------------- point 1

    public Report overhead() throws Exception {
        Report report = new Report("proxy-overhead");
        List<Point> points = new ArrayList<>();
        int alternations = options.alternations();
        try (LoadGenerator generator = new LoadGenerator(8192)) {
            warmUp(generator);
            for (String mode : options.modes()) {
                for (int rate : options.rates()) {
                    List<Pair> pairs = new ArrayList<>();
                    for (int index = 1; index <= alternations; index++) {
                        Pair pair = measure(generator, mode, rate, Duration.ofSeconds(options.warmupSeconds()), Duration.ofSeconds(options.seconds()),
                                PooledPairs.order(index));
                        pairs.add(pair);
                        System.out.printf(Locale.ROOT, "  %s %d req/s%s: direct p50 %.1f / p99 %.1f ms, proxy p50 %.1f / p99 %.1f ms (overhead p99 %+.2f ms, "
                                        + "TTFB p99 %+.2f ms), recorded %d of %d%n",
                                mode, rate, alternations > 1 ? ", pair " + index + " (" + pair.order.label() + ")" : "",
                                pair.direct.latencyMs(50), pair.direct.latencyMs(99), pair.proxy.latencyMs(50), pair.proxy.latencyMs(99),
                                pair.overhead(99), pair.ttfbOverhead(99), pair.recorded, pair.proxy.sentAll());
                    }
                    Point point = Point.of(pairs);
                    points.add(point);
                    if (alternations > 1) {
                        System.out.printf(Locale.ROOT, "  %s %d req/s, %d pairs pooled: overhead p50 %+.2f / p99 %+.2f ms, TTFB p99 %+.2f ms%n",
                                mode, rate, alternations, point.pooled.overhead(50), point.pooled.overhead(99), point.pooled.ttfbOverhead(99));
                    }
                }
            }
            for (String mode : options.modes()) {
                report.table(latencyTable(mode, points.stream().filter(p -> p.mode.equals(mode)).toList()));
            }
            report.table(resourceTable(points));
            report.table(threadTable(points));
            targets(report, points);
            if (options.profile()) {
                profile(generator, report);
            }
        }
        report.note(String.format(Locale.ROOT, "Load: Anthropic Messages, Claude Code headers, 100 sessions; fake provider scenario tool-call "
                        + "(%d SSE frames streamed), time to first byte %d ms, %d ms between frames; request body %d bytes; %d s measured after %d s warm-up per run.",
                14, options.ttfbMs(), options.chunkDelayMs(), ProviderRequests.body(false, options.padKb()).length, options.seconds(), options.warmupSeconds()));
        report.note("Latency and TTFB run from each request's intended start on the fixed-rate schedule (open loop, no coordinated omission), "
                + "recorded in HdrHistogram; overhead = proxy percentile − direct percentile at the same rate.");
        if (options.interleave()) {
            report.note("Interleaved (--interleave): each pair's direct and proxied requests ran in one window, taking turns on one schedule, "
                    + "each side at the full rate (so the fake provider served twice the rate, and Kafka, the recorder and PostgreSQL "
                    + "worked for the proxied side during the direct side's requests too). The host's drift lands on both sides alike; "
                    + "what the proxy's own work costs its neighbours lands on both sides too, so this overhead is the proxy's own delay "
                    + "of a request, not its weight on a shared machine. The CPU columns are the shared window's, the same for both sides.");
        }
        if (alternations > 1) {
            report.note(String.format(Locale.ROOT, "%d direct/proxied pairs per mode and rate, in the order %s (which side %s alternates, "
                    + "so the machine's drift does not favour one); a proxied run's recording is waited for before the next run either way. "
                    + "Direct, proxy and overhead columns and the verdicts are the pooled runs: every direct request against every proxied one, "
                    + "their histograms merged. The pairs' columns are each pair's own overhead, min / median / max: how far one pair alone "
                    + "could have been from the pooled answer.", alternations, String.join(", ", points.get(0).pooled.orders()),
                    options.interleave() ? "takes the first slot of each turn" : "runs first"));
        }
        List<Map<String, Object>> raw = new ArrayList<>();
        points.forEach(p -> raw.add(pointMap(p)));
        report.data("interleaved", options.interleave());
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
            lastProxiedEnd = generator.run(proxied(streaming, "warmup"), 200, Duration.ZERO, Duration.ofSeconds(seconds)).runEnd();
        }
    }

    private LoadTarget direct(boolean streaming) {
        return ProviderRequests.direct(stack.fakeUrl(), streaming, options.padKb(), options.ttfbMs(), options.chunkDelayMs());
    }

    private LoadTarget proxied(boolean streaming, String run) {
        return ProviderRequests.proxied(stack.proxyUrl(), token, run, streaming, options.padKb(), options.ttfbMs(), options.chunkDelayMs());
    }

    /**
     * Runs the direct target and the proxy at one rate, in {@code order}. After the proxied run it
     * waits until the recorder has stored its interceptions, and when the proxy ran first it waits
     * before the direct run: the recorder catching up must never land in the direct run's window,
     * or the proxy-first pairs would flatter the proxy.
     */
    Pair measure(LoadGenerator generator, String mode, int rate, Duration warmup, Duration measured, PooledPairs.Order order)
            throws InterruptedException {
        boolean streaming = mode.equals("streaming");
        if (options.interleave()) {
            return measureInterleaved(generator, mode, rate, warmup, measured, order);
        }
        Side direct = null;
        if (order == PooledPairs.Order.DIRECT_FIRST) {
            direct = runDirect(generator, streaming, rate, warmup, measured);
        }
        Side proxy = runProxied(generator, streaming, rate, warmup, measured);
        long waitStart = System.nanoTime();
        long recorded = waitForRecording(proxy.result, proxy.result.sentAll() - proxy.refused);
        double recordedAfter = (System.nanoTime() - waitStart) / 1e9;
        if (direct == null) {
            direct = runDirect(generator, streaming, rate, warmup, measured);
        }
        List<String> directHousekeeping = DatabaseHousekeeping.during(stack, direct.result.runStart().plus(warmup), direct.result.runEnd());
        List<String> proxyHousekeeping = DatabaseHousekeeping.during(stack, proxy.result.runStart().plus(warmup), proxy.result.runEnd());
        return new Pair(mode, rate, order, direct.result, proxy.result, proxy.usage, direct.usage, proxy.refused, recorded, recordedAfter,
                directHousekeeping, proxyHousekeeping, proxy.proxyThreads);
    }

    /**
     * Both sides of a pair in one window ({@code --interleave}): direct and proxied requests take
     * turns on one schedule, each side at the full rate, the side that {@code order} puts first
     * taking the first slot of each turn. What the stack's processes used is the window's, the same
     * for both sides. The recording is waited for afterwards, as after a proxied run alone.
     */
    private Pair measureInterleaved(LoadGenerator generator, String mode, int rate, Duration warmup, Duration measured, PooledPairs.Order order)
            throws InterruptedException {
        boolean streaming = mode.equals("streaming");
        LoadTarget direct = direct(streaming);
        LoadTarget proxied = proxied(streaming, "r" + (++runNumber));
        awaitLastProxiedRange();
        double refusedBefore = refusedAtCapacity();
        List<LoadResult> results;
        Map<String, Resources.Usage> usage;
        Map<String, Double> threads;
        try (Resources resources = new Resources(stack)) {
            results = generator.runInterleaved(order == PooledPairs.Order.DIRECT_FIRST ? List.of(direct, proxied) : List.of(proxied, direct),
                    rate, warmup, measured);
            usage = resources.usage();
            threads = resources.proxyThreads();
        }
        LoadResult directResult = results.get(order == PooledPairs.Order.DIRECT_FIRST ? 0 : 1);
        LoadResult proxyResult = results.get(order == PooledPairs.Order.DIRECT_FIRST ? 1 : 0);
        lastProxiedEnd = proxyResult.runEnd();
        long refused = Math.round(refusedAtCapacity() - refusedBefore);
        long waitStart = System.nanoTime();
        long recorded = waitForRecording(proxyResult, proxyResult.sentAll() - refused);
        double recordedAfter = (System.nanoTime() - waitStart) / 1e9;
        List<String> housekeeping = DatabaseHousekeeping.during(stack, proxyResult.runStart().plus(warmup), proxyResult.runEnd());
        return new Pair(mode, rate, order, directResult, proxyResult, usage, usage, refused, recorded, recordedAfter,
                housekeeping, housekeeping, threads);
    }

    /**
     * One run of a pair and what the stack's processes used meanwhile; {@code refused}: requests the proxy refused at its capacity;
     * {@code proxyThreads}: the proxy's CPU by thread group (empty for a direct run).
     */
    private record Side(LoadResult result, Map<String, Resources.Usage> usage, long refused, Map<String, Double> proxyThreads) {
    }

    private Side runDirect(LoadGenerator generator, boolean streaming, int rate, Duration warmup, Duration measured) throws InterruptedException {
        try (Resources resources = new Resources(stack)) {
            LoadResult result = generator.run(direct(streaming), rate, warmup, measured);
            return new Side(result, resources.usage(), 0, Map.of());
        }
    }

    /**
     * A proxied run, started only once the previous proxied run's counted time range is over: with
     * the proxy first in a pair (P D after D P) two proxied runs follow each other with no direct
     * run between them, and their ranges would overlap, so each would count some of the other's
     * interceptions as its own.
     */
    private Side runProxied(LoadGenerator generator, boolean streaming, int rate, Duration warmup, Duration measured) throws InterruptedException {
        awaitLastProxiedRange();
        double refusedBefore = refusedAtCapacity();
        LoadResult result;
        Map<String, Resources.Usage> usage;
        Map<String, Double> threads;
        try (Resources resources = new Resources(stack)) {
            result = generator.run(proxied(streaming, "r" + (++runNumber)), rate, warmup, measured);
            usage = resources.usage();
            threads = resources.proxyThreads();
        }
        lastProxiedEnd = result.runEnd();
        return new Side(result, usage, Math.round(refusedAtCapacity() - refusedBefore), threads);
    }

    /** Sleeps until the last proxied run's counted time range is over, so the next one's does not overlap it. */
    private void awaitLastProxiedRange() throws InterruptedException {
        if (lastProxiedEnd != null) {
            long wait = Duration.between(Instant.now(), lastProxiedEnd.plus(COUNT_MARGIN.multipliedBy(2)).plusMillis(100)).toMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }
    }

    /** Waits until the recorder has stored the {@code expected} interceptions of a proxied run (or stopped storing them). */
    private long waitForRecording(LoadResult run, long expected) throws InterruptedException {
        return api.awaitInterceptions(run.runStart().minus(COUNT_MARGIN), run.runEnd().plus(COUNT_MARGIN), expected);
    }

    /** Requests the proxy has refused at {@code AIBRIDGE_MAX_CONCURRENCY} since it started (0 when it sets none). */
    private double refusedAtCapacity() {
        return Prometheus.scrape(stack.proxyUrl()).sum("aibridge_capacity_refused_total");
    }

    private Table latencyTable(String mode, List<Point> points) {
        int alternations = options.alternations();
        List<String> columns = new ArrayList<>(List.of("req/s", "direct p50 / p99 / p99.9", "proxy p50 / p99 / p99.9", "overhead p50 / p99 / p99.9",
                "TTFB direct p50 / p99", "TTFB proxy p50 / p99", "TTFB overhead p50 / p99", "achieved req/s direct / proxy", "errors direct / proxy"));
        if (alternations > 1) {
            columns.addAll(List.of("pairs' overhead p50 min / median / max", "pairs' overhead p99 min / median / max",
                    "pairs' TTFB overhead p99 min / median / max"));
        }
        String title = "Proxy overhead, " + mode + ": latency and time to first byte in ms (direct → through the proxy, and the difference)"
                + (alternations > 1 ? String.format(Locale.ROOT, "; %d pairs per rate (%s) pooled, and each pair's own overhead",
                alternations, String.join(", ", points.isEmpty() ? List.of() : points.get(0).pooled.orders())) : "");
        Table table = new Table(title, columns.toArray(String[]::new));
        for (Point point : points) {
            PooledPairs p = point.pooled;
            List<Object> cells = new ArrayList<>(List.of(point.rate,
                    Table.ms(p.direct().latencyMs(50)) + " / " + Table.ms(p.direct().latencyMs(99)) + " / " + Table.ms(p.direct().latencyMs(99.9)),
                    Table.ms(p.proxy().latencyMs(50)) + " / " + Table.ms(p.proxy().latencyMs(99)) + " / " + Table.ms(p.proxy().latencyMs(99.9)),
                    Table.deltaMs(p.overhead(50)) + " / " + Table.deltaMs(p.overhead(99)) + " / " + Table.deltaMs(p.overhead(99.9)),
                    Table.ms(p.direct().ttfbMs(50)) + " / " + Table.ms(p.direct().ttfbMs(99)),
                    Table.ms(p.proxy().ttfbMs(50)) + " / " + Table.ms(p.proxy().ttfbMs(99)),
                    Table.deltaMs(p.ttfbOverhead(50)) + " / " + Table.deltaMs(p.ttfbOverhead(99)),
                    Table.fixed(p.direct().achieved(), 0) + " / " + Table.fixed(p.proxy().achieved(), 0),
                    p.direct().errorSummary() + " / " + p.proxy().errorSummary()));
            if (alternations > 1) {
                cells.add(p.overheadSpread(50).cell());
                cells.add(p.overheadSpread(99).cell());
                cells.add(p.ttfbOverheadSpread(99).cell());
            }
            table.row(cells.toArray());
        }
        return table;
    }

    private Table resourceTable(List<Point> points) {
        boolean several = options.alternations() > 1;
        Table table = new Table("Proxy overhead: the proxy's memory and CPU, its neighbours' CPU (cores; 1.0 = one core busy), and interceptions recorded"
                + (several ? " (per mode and rate: the highest RSS, the mean CPU and the sum of recorded and sent over its pairs)" : ""),
                "mode, req/s", "proxy peak RSS MB", "proxy CPU", "recorder CPU", "Kafka CPU", "PostgreSQL CPU", "fake provider CPU (direct / proxied)",
                "generator CPU (direct / proxied)", "recorded / sent", "all recorded after");
        for (Point point : points) {
            List<Pair> pairs = point.pairs;
            long recorded = pairs.stream().mapToLong(Pair::recorded).sum();
            long sent = pairs.stream().mapToLong(p -> p.proxy.sentAll()).sum();
            long refused = pairs.stream().mapToLong(Pair::refused).sum();
            long missing = pairs.stream().mapToLong(p -> Math.max(0, p.expected() - p.recorded)).sum();
            table.row(point.mode + ", " + point.rate,
                    Table.fixed(pairs.stream().mapToDouble(p -> p.proxyUsage.get("proxy-service").peakRssMb()).max().orElse(Double.NaN), 0),
                    Table.fixed(meanCpu(pairs, true, "proxy-service"), 2),
                    Table.fixed(meanCpu(pairs, true, "recorder-service"), 2),
                    Table.fixed(meanCpu(pairs, true, "kafka"), 2),
                    Table.fixed(meanCpu(pairs, true, "postgres"), 2),
                    Table.fixed(meanCpu(pairs, false, "fake-provider"), 2) + " / " + Table.fixed(meanCpu(pairs, true, "fake-provider"), 2),
                    Table.fixed(meanCpu(pairs, false, "bench"), 2) + " / " + Table.fixed(meanCpu(pairs, true, "bench"), 2),
                    Table.count(recorded) + " / " + Table.count(sent) + (refused > 0 ? " (" + Table.count(refused) + " refused at capacity)" : ""),
                    missing == 0 ? Table.fixed(pairs.stream().mapToDouble(Pair::recordedAfterSeconds).max().orElse(Double.NaN), 1) + " s"
                            : "missing " + missing);
        }
        return table;
    }

    /**
     * Where the proxy's CPU went, by thread group, read from {@code /proc} (no profiler): the event
     * loops relay and record, the publisher encodes the events, Kafka's producer sends them; the JIT
     * compiler still at work in a run says its warm-up was too short for that run.
     */
    private Table threadTable(List<Point> points) {
        List<String> columns = new ArrayList<>(List.of("mode, req/s"));
        columns.addAll(ProcessStats.THREAD_GROUPS);
        columns.add("all threads");
        Table table = new Table("Proxy overhead: the proxy's CPU by thread during the proxied runs (cores; the mean over the pairs)",
                columns.toArray(String[]::new));
        for (Point point : points) {
            List<Object> cells = new ArrayList<>(List.of(point.mode + ", " + point.rate));
            double all = 0;
            for (String group : ProcessStats.THREAD_GROUPS) {
                double cores = point.pairs.stream().mapToDouble(p -> p.proxyThreads.getOrDefault(group, Double.NaN)).average().orElse(Double.NaN);
                cells.add(Table.fixed(cores, 2));
                all += cores;
            }
            cells.add(Table.fixed(all, 2));
            table.row(cells.toArray());
        }
        return table;
    }

    /** A process's CPU (cores) during the proxied or the direct runs, the mean over the pairs. */
    private static double meanCpu(List<Pair> pairs, boolean proxied, String process) {
        return pairs.stream().mapToDouble(p -> (proxied ? p.proxyUsage : p.directUsage).get(process).cpuCores()).average().orElse(Double.NaN);
    }

    private void targets(Report report, List<Point> points) {
        points.stream().filter(p -> p.mode.equals("blocking") && p.rate == 500).findFirst().ifPresent(p -> {
            report.note(verdict("blocking overhead p50 at 500 req/s", p.pooled.overhead(50), 1.0, p.pooled.size(), p.pooled.overheadSpread(50)));
            report.note(verdict("blocking overhead p99 at 500 req/s", p.pooled.overhead(99), 5.0, p.pooled.size(), p.pooled.overheadSpread(99)));
        });
        for (Point p : points) {
            if (p.mode.equals("streaming")) {
                report.note(verdict("streaming TTFB overhead p99 at " + p.rate + " req/s", p.pooled.ttfbOverhead(99), 2.0, p.pooled.size(),
                        p.pooled.ttfbOverheadSpread(99)));
            }
        }
        for (Point point : points) {
            for (int i = 0; i < point.pairs.size(); i++) {
                Pair p = point.pairs.get(i);
                List<String> runs = new ArrayList<>();
                if (!p.proxyHousekeeping.isEmpty()) {
                    runs.add("proxied run: " + String.join(", ", p.proxyHousekeeping));
                }
                if (!p.directHousekeeping.isEmpty()) {
                    runs.add("direct run: " + String.join(", ", p.directHousekeeping));
                }
                if (!runs.isEmpty()) {
                    report.note(String.format(Locale.ROOT, "PostgreSQL's autovacuum ran while %s was measured (%s): on the same two cores it "
                            + "leaves the proxy and the fake provider no idle CPU for a few seconds, so that run's tail is the database's "
                            + "housekeeping as much as the proxy's.", point.name(i + 1), String.join("; ", runs)));
                }
            }
        }
        for (Point point : points) {
            for (int i = 0; i < point.pairs.size(); i++) {
                Pair p = point.pairs.get(i);
                if (p.recorded < p.expected()) {
                    report.note(String.format(Locale.ROOT, "NOT ALL RECORDED: %s: %d of %d interceptions visible in the query API",
                            point.name(i + 1), p.recorded, p.expected()));
                }
                if (p.refused > 0) {
                    report.note(String.format(Locale.ROOT, "%s: the proxy refused %d requests at its AIBRIDGE_MAX_CONCURRENCY (503, counted as "
                            + "errors, not recorded); the latencies are those of the requests it served", point.name(i + 1), p.refused));
                }
            }
        }
    }

    /**
     * The note for one target. The overhead is a difference of two percentiles, so it can come out
     * below zero: then the proxied runs were the faster at that percentile, which says the noise
     * between runs is larger than what the proxy adds, not that the direct side grew a tail.
     *
     * @param pairs  how many pairs were pooled; with more than one, their spread is named too
     * @param spread the pairs' own overheads
     */
    static String verdict(String what, double value, double limit, int pairs, PooledPairs.Spread spread) {
        String pooled = pairs > 1
                ? String.format(Locale.ROOT, " (pooled over %d pairs; the pairs alone, min / median / max: %s ms)", pairs, spread.cell())
                : "";
        if (Double.isNaN(value)) {
            return String.format(Locale.ROOT, "NOT MEASURED: %s: no request succeeded on one side (target < %.0f ms).", what, limit);
        }
        if (value >= limit) {
            return String.format(Locale.ROOT, "TARGET MISSED: %s %+.2f ms%s, target < %.0f ms: %.2f ms (%.1f×) over.", what, value, pooled, limit,
                    value - limit, value / limit);
        }
        if (value < 0) {
            return String.format(Locale.ROOT, "Target met: %s %+.2f ms%s (target < %.0f ms); below zero: this percentile came out %.2f ms lower "
                    + "through the proxy than direct, so the noise between runs on the shared machine is larger than what the proxy adds.",
                    what, value, pooled, limit, -value);
        }
        return String.format(Locale.ROOT, "Target met: %s %+.2f ms%s (target < %.0f ms).", what, value, pooled, limit);
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
                Pair pair = measure(generator, "blocking", rate, warmup, measured, PooledPairs.Order.DIRECT_FIRST);
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
                Pair pair = measure(generator, "blocking", middle, warmup, measured, PooledPairs.Order.DIRECT_FIRST);
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

    /**
     * One mode and rate for the JSON file: {@code order} (the pairs' orders as they ran),
     * {@code pooled} (every direct and every proxied run merged, the overheads the verdicts use, and
     * the pairs' spread) and {@code alternation} (each pair: its index, order, runs and overheads).
     */
    private static Map<String, Object> pointMap(Point point) {
        PooledPairs p = point.pooled;
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("mode", point.mode);
        map.put("rate", point.rate);
        map.put("order", p.orders());
        Map<String, Object> pooled = new LinkedHashMap<>();
        pooled.put("pairs", p.size());
        pooled.put("direct", resultMap(p.direct()));
        pooled.put("proxy", resultMap(p.proxy()));
        pooled.put("overhead_ms", Map.of("p50", p.overhead(50), "p99", p.overhead(99), "p99_9", p.overhead(99.9)));
        pooled.put("ttfb_overhead_ms", Map.of("p50", p.ttfbOverhead(50), "p99", p.ttfbOverhead(99)));
        pooled.put("pair_overhead_spread_ms", p.spreadMap());
        pooled.put("interceptions_recorded", point.pairs.stream().mapToLong(Pair::recorded).sum());
        pooled.put("requests_sent", point.pairs.stream().mapToLong(x -> x.proxy.sentAll()).sum());
        pooled.put("refused_at_capacity", point.pairs.stream().mapToLong(Pair::refused).sum());
        map.put("pooled", pooled);
        List<Map<String, Object>> alternation = new ArrayList<>();
        for (int i = 0; i < point.pairs.size(); i++) {
            Map<String, Object> pair = new LinkedHashMap<>();
            pair.put("index", i + 1);
            pair.putAll(pairMap(point.pairs.get(i)));
            alternation.add(pair);
        }
        map.put("alternation", alternation);
        return map;
    }

    private static Map<String, Object> pairMap(Pair p) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("mode", p.mode);
        map.put("rate", p.rate);
        map.put("order", p.order.label());
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
        map.put("proxy_cpu_cores_by_thread", p.proxyThreads);
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
