package io.aibridge.bench.proxy;

import io.aibridge.bench.BenchOptions;
import io.aibridge.bench.Report;
import io.aibridge.bench.Table;
import io.aibridge.bench.load.LoadGenerator;
import io.aibridge.bench.load.LoadResult;
import io.aibridge.bench.load.LoadTarget;
import io.aibridge.bench.stack.JvmMemory;
import io.aibridge.bench.stack.QueryApi;
import io.aibridge.bench.stack.Stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy's memory across many streamed interceptions (the performance point of the proxy issue:
 * "memory must stay flat across 10,000 streamed interceptions"). A proxy that kept anything per
 * request (a listener never removed, a map entry per interception, a buffer per cancelled stream,
 * an upstream connection per abandoned client) holds more after every thousand streams; one that
 * keeps nothing holds the same.
 *
 * <p>After a warm-up (a fifth of as many streams, so that pools, caches and compiled code are in
 * place; the client's connections bounded at twice the streams in flight), the streams go through
 * the proxy at a fixed rate in up to ten equal segments. After the warm-up and after each segment,
 * once every stream of it has ended, the proxy collects its garbage and is measured
 * ({@link JvmMemory}): what its heap still references, its metaspace, resident memory, threads and
 * open files. Every tenth stream is abandoned by its client at the first body byte, the path where
 * a proxy most often leaks (the upstream call must be cancelled and the interception still ended);
 * the rest are read to the end. The verdict is the least-squares slope of the live heap over the
 * streams: memory is flat when it adds less than {@value #FLAT_LIMIT_MB} MB
 * over the whole run (200 bytes per stream at 10,000).
 */
public final class MemoryBenchmark {

    /** Live-heap growth over the whole run above which memory is not flat. */
    static final double FLAT_LIMIT_MB = 2.0;
    /** Every n-th stream is abandoned by its client at the first body byte. */
    static final int HANG_UP_EVERY = 10;
    private static final int MAX_SEGMENTS = 10;
    private static final int MIN_SEGMENT = 100;

    private final Stack stack;
    private final BenchOptions options;
    private final QueryApi api;
    private final String token;

    public MemoryBenchmark(Stack stack, BenchOptions options) {
        this.stack = stack;
        this.options = options;
        this.token = stack.token();
        this.api = new QueryApi(stack.queryUrl(), token);
    }

    /** One measurement: how many streams had gone through (after the warm-up), and the proxy then. */
    record Sample(long streams, JvmMemory memory, LoadResult segment) {
    }

    public Report run() throws Exception {
        Report report = new Report("proxy-memory"); // its start and the load average before the run
        long pid = stack.requirePid("proxy-service");
        int streams = options.memoryStreams();
        int rate = options.memoryRate();
        int segments = Math.max(1, Math.min(MAX_SEGMENTS, streams / MIN_SEGMENT));
        int perSegment = streams / segments;
        int warmupStreams = Math.max(MIN_SEGMENT, streams / 5);
        // Twice the streams in flight at once (each lasts its time to first byte and 13 pauses between
        // frames): a pool without a bound would keep every connection a cold start's slow first seconds
        // opened until it idles out, and those connections' buffers would look like memory released
        // later in the run.
        int connections = Math.max(32, (int) Math.ceil(2.0 * rate * (options.ttfbMs() + 13 * options.chunkDelayMs()) / 1000));
        LoadTarget target = ProviderRequests.proxied(stack.proxyUrl(), token, "memory", true, options.padKb(), options.ttfbMs(),
                options.chunkDelayMs()).hangingUpEvery(HANG_UP_EVERY);

        List<Sample> samples = new ArrayList<>();
        LoadResult warmup;
        try (LoadGenerator generator = new LoadGenerator(connections)) {
            System.out.printf(Locale.ROOT, "  %,d streams through the proxy at %d/s (warm-up, not measured)%n", warmupStreams, rate);
            warmup = generator.run(target, rate, Duration.ZERO, forStreams(warmupStreams, rate));
            samples.add(new Sample(0, JvmMemory.afterFullGc(pid), null));
            long done = 0;
            for (int s = 0; s < segments; s++) {
                LoadResult segment = generator.run(target, rate, Duration.ZERO, forStreams(perSegment, rate));
                done += segment.sentAll();
                JvmMemory memory = JvmMemory.afterFullGc(pid);
                samples.add(new Sample(done, memory, segment));
                System.out.printf(Locale.ROOT, "  %,d streams: live heap %.1f MB, RSS %.0f MB, %d threads, %d open files%n",
                        done, memory.heapLiveMb(), memory.rssMb(), memory.threads(), memory.openFiles());
            }
        }
        Sample lastSample = samples.get(samples.size() - 1);
        long measured = lastSample.streams();
        long sent = warmup.sentAll() + measured;
        long recorded = api.awaitInterceptions(warmup.runStart(), lastSample.segment().runEnd().plusSeconds(1), sent);

        double slopeMbPerStream = slope(samples);
        double fittedGrowthMb = slopeMbPerStream * measured;
        JvmMemory first = samples.get(0).memory();
        JvmMemory last = lastSample.memory();

        Table table = new Table(String.format(Locale.ROOT, "Proxy memory across %,d streamed interceptions (every %dth abandoned by its client "
                        + "at the first byte): after each segment, a full GC in the proxy, then what it holds", measured, HANG_UP_EVERY),
                "streams through the proxy", "live heap after full GC, MB", "metaspace MB", "RSS MB", "threads", "open files",
                "segment: completed / abandoned / errors");
        for (Sample sample : samples) {
            JvmMemory m = sample.memory();
            table.row(sample.segment() == null ? "0 (after " + Table.count(warmup.sentAll()) + " warm-up streams)" : Table.count(sample.streams()),
                    Table.fixed(m.heapLiveMb(), 1), Table.fixed(m.metaspaceMb(), 1), Table.fixed(m.rssMb(), 0), m.threads(), m.openFiles(),
                    sample.segment() == null ? "–" : sample.segment().ok() + " / " + sample.segment().hungUp() + " / " + sample.segment().errorSummary());
        }
        report.table(table);

        Table summary = new Table("Proxy memory: the trend over the measured streams", "what", "value");
        summary.row("live heap, first → last sample", Table.fixed(first.heapLiveMb(), 1) + " → " + Table.fixed(last.heapLiveMb(), 1) + " MB");
        summary.row("live heap trend (least squares over the samples)", String.format(Locale.ROOT, "%+.1f KB per 1,000 streams; %+.2f MB over %s streams",
                slopeMbPerStream * 1000 * 1024, fittedGrowthMb, Table.count(measured)));
        summary.row("RSS, first → last sample", Table.fixed(first.rssMb(), 0) + " → " + Table.fixed(last.rssMb(), 0) + " MB");
        summary.row("threads / open files, first → last sample", first.threads() + " → " + last.threads() + " / " + first.openFiles() + " → " + last.openFiles());
        summary.row("interceptions recorded / streams sent (warm-up included)", Table.count(recorded) + " / " + Table.count(sent));
        report.table(summary);

        if (Math.abs(fittedGrowthMb) < FLAT_LIMIT_MB) {
            report.note(String.format(Locale.ROOT, "Target met: memory flat across %,d streamed interceptions: the live heap's trend is %+.2f MB over "
                    + "the run (limit ±%.0f MB, 200 bytes per stream at 10,000).", measured, fittedGrowthMb, FLAT_LIMIT_MB));
        } else {
            report.note(String.format(Locale.ROOT, "TARGET MISSED: the live heap's trend is %+.2f MB over %,d streamed interceptions (%+.0f bytes "
                    + "per stream; limit ±%.0f MB).", fittedGrowthMb, measured, slopeMbPerStream * 1024 * 1024, FLAT_LIMIT_MB));
        }
        if (recorded < sent) {
            report.note(String.format(Locale.ROOT, "MISSING: %,d of %,d streams were not recorded as interceptions.", sent - recorded, sent));
        }
        report.note(String.format(Locale.ROOT, "Load: Anthropic Messages streams with Claude Code headers over 100 sessions, at %d per second in %d "
                        + "segments of %,d; fake provider scenario tool-call (14 SSE frames), time to first byte %d ms, %d ms between frames. "
                        + "Measured after each segment's last stream ended: jcmd GC.run, then GC.heap_info; RSS, threads and open files from /proc.",
                rate, segments, perSegment, options.ttfbMs(), options.chunkDelayMs()));
        List<Map<String, Object>> raw = new ArrayList<>();
        for (Sample sample : samples) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("streams", sample.streams());
            row.put("heap_live_mb", sample.memory().heapLiveMb());
            row.put("metaspace_mb", sample.memory().metaspaceMb());
            row.put("rss_mb", sample.memory().rssMb());
            row.put("threads", sample.memory().threads());
            row.put("open_files", sample.memory().openFiles());
            if (sample.segment() != null) {
                row.put("completed", sample.segment().ok());
                row.put("abandoned", sample.segment().hungUp());
                row.put("errors", sample.segment().errors());
            }
            raw.add(row);
        }
        report.data("samples", raw);
        report.data("heap_trend_mb_per_stream", slopeMbPerStream);
        report.data("recorded", recorded);
        report.data("sent", sent);
        return report;
    }

    /** Exactly {@code streams} requests at {@code rate}: the generator sends one per period of the window. */
    private static Duration forStreams(int streams, int rate) {
        return Duration.ofNanos((long) (1e9 / rate) * streams);
    }

    /** Least-squares slope of the live heap (MB) over the streams that had gone through. */
    static double slope(List<Sample> samples) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double meanX = samples.stream().mapToDouble(Sample::streams).average().orElse(0);
        double meanY = samples.stream().mapToDouble(s -> s.memory().heapLiveMb()).average().orElse(0);
        double num = 0;
        double den = 0;
        for (Sample s : samples) {
            num += (s.streams() - meanX) * (s.memory().heapLiveMb() - meanY);
            den += (s.streams() - meanX) * (s.streams() - meanX);
        }
        return den == 0 ? 0 : num / den;
    }
}
