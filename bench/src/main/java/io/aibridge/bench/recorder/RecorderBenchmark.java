package io.aibridge.bench.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aibridge.bench.BenchOptions;
import io.aibridge.bench.Report;
import io.aibridge.bench.Table;
import io.aibridge.bench.load.LoadGenerator;
import io.aibridge.bench.stack.DatabaseHousekeeping;
import io.aibridge.bench.stack.Jfr;
import io.aibridge.bench.stack.Prometheus;
import io.aibridge.bench.stack.QueryApi;
import io.aibridge.bench.stack.Resources;
import io.aibridge.bench.stack.Stack;
import io.aibridge.events.InterceptionEvent;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Point 3 of the benchmark issue, against the stack's own recorder-service process (its shipped
 * defaults: one consumer, batches of up to 6,000 records):
 *
 * <ol>
 *   <li><b>Ingest</b>: a backlog of the realistic event mix is published to Kafka as fast as the
 *   producer goes; the events per second the recorder stores are read from its own counter
 *   ({@code aibridge_recorder_events_stored_total}) while it drains the backlog after the producer
 *   finished, so the producer's CPU does not count against it.</li>
 *   <li><b>Lag</b>: interceptions published at a fixed rate, each at the moment it "ended"; every
 *   50th is a probe in a session of its own, and the sessions list is asked every 25 ms which
 *   probes it shows: end → visible in the query API, as a user would see it. The recorder's
 *   {@code aibridge_recorder_end_to_commit_seconds} histogram gives end → committed for every
 *   interception beside it.</li>
 * </ol>
 */
public final class RecorderBenchmark {

    private static final String TOPIC_LABEL = "aibridge.interceptions.v1";
    private static final Duration PROBE_POLL = Duration.ofMillis(25);

    private final Stack stack;
    private final BenchOptions options;
    private final QueryApi api;

    public RecorderBenchmark(Stack stack, BenchOptions options) {
        this.stack = stack;
        this.options = options;
        this.api = new QueryApi(stack.queryUrl(), stack.token());
    }

    public Report run() throws Exception {
        Report report = new Report("recorder-ingest");
        Table ingest = new Table("Recorder ingest: a backlog drained from Kafka into PostgreSQL (recorder defaults: 1 consumer, batches ≤ 6,000)",
                "what", "value");
        Map<String, Object> drain = drain(ingest, options.backlogInterceptions(), 1);
        report.table(ingest);
        report.data("drain", drain);
        double rate = (double) drain.get("events_per_second_draining");
        report.note(rate >= 20_000
                ? String.format(Locale.ROOT, "Target met: %.0f events/s stored (target ≥ 20,000).", rate)
                : String.format(Locale.ROOT, "TARGET MISSED: %.0f events/s stored, target ≥ 20,000: %.0f events/s (%.0f %%) short.",
                rate, 20_000 - rate, (20_000 - rate) / 20_000 * 100));
        DatabaseHousekeeping.recorderNote("during the drain (publishing included)", autovacuum(drain)).ifPresent(report::note);

        Table lag = new Table(String.format(Locale.ROOT, "Recorder lag at %,d interceptions/s (about %,d events/s) for %d s: interception ended → visible",
                options.lagRate(), Math.round(options.lagRate() * 4.5), options.lagSeconds()), "what", "p50 ms", "p99 ms", "max ms", "count");
        Map<String, Object> lagData = lag(lag);
        report.table(lag);
        report.data("lag", lagData);
        double p99 = (double) lagData.get("visible_p99_ms");
        report.note(p99 < 1000
                ? String.format(Locale.ROOT, "Target met: end → visible in the query API p99 %.0f ms at %d interceptions/s (target < 1 s).", p99, options.lagRate())
                : String.format(Locale.ROOT, "TARGET MISSED: end → visible p99 %.0f ms at %d interceptions/s, target < 1,000 ms: %.0f ms over.",
                p99, options.lagRate(), p99 - 1000));
        DatabaseHousekeeping.recorderNote("during the lag run", autovacuum(lagData)).ifPresent(report::note);
        if (options.profile()) {
            profile(report);
        }
        report.note("The realistic mix: 200 users in client sessions of ~200 interceptions; prompts followed by agentic loops of 1–6 requests "
                + "(start with the correlating tool-call id, prompt on the first, token usage, a tool call on all but the last, a thought on half, end): "
                + "about 4.5 events per interception, published by an idempotent snappy producer like the proxy's.");
        return report;
    }

    /** Publishes a backlog, then watches the recorder's stored-events counter until it has all of it. */
    Map<String, Object> drain(Table table, int interceptions, long seed) throws Exception {
        InterceptionWorkload workload = new InterceptionWorkload(seed + System.nanoTime(), 200, 200);
        Prometheus.Scrape before = Prometheus.scrape(stack.recorderUrl());
        double stored0 = stored(before);
        long published = 0;
        Map<String, Resources.Usage> usage;
        List<double[]> samples = new ArrayList<>(); // {seconds since publish start, stored since start}
        long start = System.nanoTime();
        Instant startedAt = Instant.now();
        long publishedAt;
        double storedAtPublished;
        long drainedAt;
        try (Resources resources = new Resources(stack); EventPublisher publisher = new EventPublisher(stack.kafka())) {
            for (int i = 0; i < interceptions; i++) {
                published += publisher.send(workload.next(Instant.now()));
            }
            publisher.flush();
            publishedAt = System.nanoTime();
            if (publisher.failed() > 0) {
                throw new IllegalStateException(publisher.failed() + " events could not be published");
            }
            storedAtPublished = stored(Prometheus.scrape(stack.recorderUrl())) - stored0;
            double last = -1;
            long lastChange = System.nanoTime();
            while (true) {
                double now = stored(Prometheus.scrape(stack.recorderUrl())) - stored0;
                samples.add(new double[]{(System.nanoTime() - start) / 1e9, now});
                if (now >= published) {
                    break;
                }
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("the recorder stopped storing: " + (long) now + " of " + published + " events after 60 s");
                }
                Thread.sleep(100);
            }
            drainedAt = System.nanoTime();
            usage = resources.usage();
        }
        List<String> housekeeping = DatabaseHousekeeping.during(stack, startedAt, Instant.now());
        Prometheus.Scrape after = Prometheus.scrape(stack.recorderUrl());
        Prometheus.Histogram batches = after.histogram("aibridge_recorder_batch_write_seconds", l -> TOPIC_LABEL.equals(l.get("topic")))
                .minus(before.histogram("aibridge_recorder_batch_write_seconds", l -> TOPIC_LABEL.equals(l.get("topic"))));
        Prometheus.Histogram sizes = after.histogram("aibridge_recorder_batch_size", l -> TOPIC_LABEL.equals(l.get("topic")))
                .minus(before.histogram("aibridge_recorder_batch_size", l -> TOPIC_LABEL.equals(l.get("topic"))));
        double publishSeconds = (publishedAt - start) / 1e9;
        double drainSeconds = (drainedAt - publishedAt) / 1e9;
        double draining = (published - storedAtPublished) / drainSeconds;
        double overall = published / ((drainedAt - start) / 1e9);
        double peak = peakRate(samples, 5);

        table.row("events published (interceptions)", Table.count(published) + " (" + Table.count(interceptions) + ")");
        table.row("published in", Table.fixed(publishSeconds, 1) + " s (" + Table.count(Math.round(published / publishSeconds)) + " events/s); stored meanwhile: "
                + Table.count((long) storedAtPublished));
        table.row("**events stored per second, draining after the producer finished**", "**" + Table.count(Math.round(draining)) + "**");
        table.row("events stored per second, whole run (producer running at first)", Table.count(Math.round(overall)));
        table.row("best 5 s of the drain", Double.isNaN(peak) ? "– (drained in under 5 s)" : Table.count(Math.round(peak)) + " events/s");
        table.row("batches: count, mean size", Table.count((long) batches.count()) + ", " + Table.fixed(sizes.mean(), 0) + " records");
        table.row("batch write + commit p50 / p99 (histogram buckets)", Table.ms(batches.quantile(0.5) * 1000) + " / "
                + Table.ms(batches.quantile(0.99) * 1000) + " ms");
        Map<String, Object> steps = new LinkedHashMap<>();
        StringBuilder stepText = new StringBuilder();
        for (String step : List.of("interceptions", "children", "threads", "sessions", "commit")) {
            Prometheus.Histogram h = after.histogram("aibridge_recorder_write_step_seconds", l -> step.equals(l.get("step")))
                    .minus(before.histogram("aibridge_recorder_write_step_seconds", l -> step.equals(l.get("step"))));
            steps.put(step, Map.of("total_s", h.sum(), "mean_ms", h.mean() * 1000));
            stepText.append(stepText.length() == 0 ? "" : " / ").append(Table.ms(h.mean() * 1000));
        }
        table.row("mean time per batch by step: interceptions / children / threads / sessions / commit", stepText + " ms");
        table.row("CPU during the run: recorder / PostgreSQL / Kafka / this generator (cores)",
                Table.fixed(usage.get("recorder-service").cpuCores(), 2) + " / " + Table.fixed(usage.get("postgres").cpuCores(), 2) + " / "
                        + Table.fixed(usage.get("kafka").cpuCores(), 2) + " / " + Table.fixed(usage.get("bench").cpuCores(), 2));

        Map<String, Object> data = new LinkedHashMap<>();
        data.put("interceptions", interceptions);
        data.put("events", published);
        data.put("publish_seconds", publishSeconds);
        data.put("stored_when_published", storedAtPublished);
        data.put("drain_seconds", drainSeconds);
        data.put("events_per_second_draining", draining);
        data.put("events_per_second_overall", overall);
        data.put("events_per_second_best_5s", peak);
        data.put("batches", batches.count());
        data.put("batch_mean_records", sizes.mean());
        data.put("batch_write_p50_ms", batches.quantile(0.5) * 1000);
        data.put("batch_write_p99_ms", batches.quantile(0.99) * 1000);
        data.put("steps", steps);
        Map<String, Object> cpu = new LinkedHashMap<>();
        usage.forEach((k, v) -> cpu.put(k, v.cpuCores()));
        data.put("cpu_cores", cpu);
        data.put("autovacuum", housekeeping);
        return data;
    }

    /** The tables autovacuum vacuumed or analyzed during a run, as its data holds them. */
    @SuppressWarnings("unchecked")
    private static List<String> autovacuum(Map<String, Object> run) {
        return (List<String>) run.get("autovacuum");
    }

    /** The highest rate over any window of {@code seconds} in the samples; NaN when they span less. */
    private static double peakRate(List<double[]> samples, double seconds) {
        double best = Double.NaN;
        int j = 0;
        for (int i = 0; i < samples.size(); i++) {
            while (samples.get(i)[0] - samples.get(j)[0] > seconds) {
                j++;
            }
            double span = samples.get(i)[0] - samples.get(j)[0];
            if (span >= seconds * 0.8) {
                double rate = (samples.get(i)[1] - samples.get(j)[1]) / span;
                best = Double.isNaN(best) ? rate : Math.max(best, rate);
            }
        }
        return best;
    }

    private static double stored(Prometheus.Scrape scrape) {
        return scrape.sum("aibridge_recorder_events_stored_total", l -> TOPIC_LABEL.equals(l.get("topic")));
    }

    /** Paced interceptions with probes; see the class comment. */
    Map<String, Object> lag(Table table) throws Exception {
        InterceptionWorkload workload = new InterceptionWorkload(System.nanoTime(), 200, 200);
        int probeEvery = Math.max(1, options.lagRate() / 20);
        // the same load first, not counted: the query-service has served nothing yet, and cold, its
        // JIT compiler took a third of a core or more through the whole run
        pace(workload, options.lagWarmupSeconds(), probeEvery, new Histogram(1, TimeUnit.MINUTES.toMillis(10), 3),
                new Histogram(1, TimeUnit.MINUTES.toMillis(10), 3));
        Thread.sleep(1_000); // the warm-up's last events, after its last probe, are committed before "before"
        Histogram visible = new Histogram(1, TimeUnit.MINUTES.toMillis(10), 3);
        Histogram pollTimes = new Histogram(1, TimeUnit.MINUTES.toMillis(10), 3);
        Prometheus.Scrape before = Prometheus.scrape(stack.recorderUrl());
        double stored0 = stored(before);
        Paced run;
        Map<String, Resources.Usage> usage;
        Instant startedAt = Instant.now();
        try (Resources resources = new Resources(stack)) {
            run = pace(workload, options.lagSeconds(), probeEvery, visible, pollTimes);
            usage = resources.usage();
        }
        Map<String, Instant> pending = run.pending();
        long published = run.published();
        long maxSendLag = run.maxSendLag();
        // every event stored? (the counter lags the commit by nothing: it counts after the commit)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        double storedNow;
        while ((storedNow = stored(Prometheus.scrape(stack.recorderUrl())) - stored0) < published && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Prometheus.Scrape after = Prometheus.scrape(stack.recorderUrl());
        Prometheus.Histogram commit = after.histogram("aibridge_recorder_end_to_commit_seconds", l -> true)
                .minus(before.histogram("aibridge_recorder_end_to_commit_seconds", l -> true));
        table.row("end → visible in the query API (probes: every " + probeEvery + "th interception, sessions list polled every "
                        + PROBE_POLL.toMillis() + " ms)", Table.ms(ms(visible, 50)), Table.ms(ms(visible, 99)), Table.ms(ms(visible, 100)),
                Table.count(visible.getTotalCount()));
        table.row("end → committed, every interception (recorder's histogram; bucket-interpolated)", Table.ms(commit.quantile(0.5) * 1000),
                Table.ms(commit.quantile(0.99) * 1000), "", Table.count((long) commit.count()));
        table.row("one poll of the sessions list (the probes' resolution)", Table.ms(ms(pollTimes, 50)), Table.ms(ms(pollTimes, 99)),
                Table.ms(ms(pollTimes, 100)), Table.count(pollTimes.getTotalCount()));
        table.row("events published / stored; probes never seen", Table.count(published) + " / " + Table.count((long) storedNow), "",
                "", Table.count(pending.size()));
        table.row("CPU: recorder / PostgreSQL / Kafka / query-service (cores)", Table.fixed(usage.get("recorder-service").cpuCores(), 2),
                Table.fixed(usage.get("postgres").cpuCores(), 2), Table.fixed(usage.get("kafka").cpuCores(), 2),
                Table.fixed(usage.get("query-service").cpuCores(), 2));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("rate", options.lagRate());
        data.put("seconds", options.lagSeconds());
        data.put("events_published", published);
        data.put("events_stored", storedNow);
        data.put("probes_seen", visible.getTotalCount());
        data.put("probes_missing", pending.size());
        data.put("visible_p50_ms", ms(visible, 50));
        data.put("visible_p99_ms", ms(visible, 99));
        data.put("visible_max_ms", ms(visible, 100));
        data.put("committed_p50_ms", commit.quantile(0.5) * 1000);
        data.put("committed_p99_ms", commit.quantile(0.99) * 1000);
        data.put("poll_p50_ms", ms(pollTimes, 50));
        data.put("publisher_max_send_lag_ms", maxSendLag / 1e6);
        data.put("autovacuum", DatabaseHousekeeping.during(stack, startedAt, Instant.now()));
        return data;
    }

    /** What one paced run published, and the probes it never saw. */
    private record Paced(long published, long maxSendLag, Map<String, Instant> pending) {
    }

    /**
     * Publishes {@code seconds} of interceptions at the lag rate, every {@code probeEvery}th a probe,
     * while a watcher records when each probe becomes visible; returns once every probe was seen
     * (or 30 s after the last send).
     */
    private Paced pace(InterceptionWorkload workload, int seconds, int probeEvery, Histogram visible, Histogram pollTimes)
            throws InterruptedException {
        Map<String, Instant> pending = new ConcurrentHashMap<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        long total = (long) options.lagRate() * seconds;
        Thread watcher = new Thread(() -> watchProbes(pending, visible, pollTimes, publishing), "bench-lag-probes");
        watcher.start();
        long published = 0;
        long maxSendLag = 0;
        try (EventPublisher publisher = new EventPublisher(stack.kafka())) {
            long period = (long) (1e9 / options.lagRate());
            long start = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long due = start + i * period;
                maxSendLag = Math.max(maxSendLag, LoadGenerator.awaitNanoTime(due) - due);
                boolean probe = i % probeEvery == 0;
                Instant ended = Instant.now();
                List<InterceptionEvent> events = workload.next(ended, probe);
                if (probe) {
                    pending.put("lag-" + events.get(0).interceptionId(), ended);
                }
                published += publisher.send(events);
            }
            publisher.flush();
            publishing.set(false);
            watcher.join(TimeUnit.SECONDS.toMillis(60));
        } finally {
            watcher.interrupt();
        }
        return new Paced(published, maxSendLag, pending);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile);
    }

    /**
     * Asks the sessions list, filtered on the probes' client, for the probe sessions started since
     * the oldest probe still awaited, every {@link #PROBE_POLL}; a probe counts as visible at the
     * start of the first poll that returns it. The page holds the probes of the last second or two,
     * not every probe of the run: a page that grew to hundreds of sessions, 40 times a second, was
     * work for the query-service and this generator on the two cores the recorder and PostgreSQL
     * use, and so lengthened the lag it measured.
     */
    private void watchProbes(Map<String, Instant> pending, Histogram visible, Histogram pollTimes, AtomicBoolean publishing) {
        ObjectMapper json = new ObjectMapper();
        long quietSince = 0;
        while (!Thread.currentThread().isInterrupted()) {
            long pollStart = System.nanoTime();
            Instant pollInstant = Instant.now();
            // only the sessions of probes that started since the oldest one still awaited (and a second's margin)
            Instant oldest = pending.values().stream().min(Instant::compareTo).orElse(pollInstant);
            Instant startedAfter = oldest.minus(InterceptionWorkload.PROBE_DURATION).minusSeconds(1);
            URI uri = api.uri("/api/v2/aibridge/sessions", Map.of("client", InterceptionWorkload.PROBE_CLIENT,
                    "started_after", startedAfter.truncatedTo(ChronoUnit.MILLIS).toString(), "limit", "1000"));
            try {
                JsonNode page = json.readTree(api.getRaw(uri));
                pollTimes.recordValue(Math.max(1, (System.nanoTime() - pollStart) / 1_000_000));
                for (JsonNode session : page.path("sessions")) {
                    Instant ended = pending.remove(session.path("id").asText());
                    if (ended != null) {
                        visible.recordValue(Math.max(1, Duration.between(ended, pollInstant).toMillis()));
                    }
                }
            } catch (Exception e) {
                System.err.println("  probe poll failed: " + e.getMessage());
            }
            if (!publishing.get() && pending.isEmpty()) {
                return;
            }
            if (!publishing.get()) {
                quietSince = quietSince == 0 ? System.nanoTime() : quietSince;
                if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(30)) {
                    return;
                }
            }
            long sleep = PROBE_POLL.toNanos() - (System.nanoTime() - pollStart);
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            }
        }
    }

    /** A second, smaller drain with Flight Recorder on the recorder (after the measured ones, so it cannot skew them). */
    private void profile(Report report) throws Exception {
        long pid = stack.requirePid("recorder-service");
        Path file = options.results().resolve("recorder-drain.jfr");
        System.out.println("  profiling the recorder with JFR while it drains a backlog");
        Jfr.start(pid);
        Map<String, Object> profiled;
        Table ignored = new Table("profiled drain", "what", "value");
        try {
            profiled = drain(ignored, Math.max(5_000, options.backlogInterceptions() / 2), 2);
        } finally {
            Jfr.stop(pid, file);
        }
        Jfr.Profile profile = Jfr.summarize(file, 15);
        profile.tables("recorder-service, draining a backlog").forEach(report::table);
        report.note(String.format(Locale.ROOT, "Profiled drain (JFR on, not in the tables above): %.0f events/s; recording %s. "
                + "PostgreSQL's share is not in a JVM profile: see the CPU row of the ingest table.", (double) profiled.get("events_per_second_draining"),
                file.getFileName()));
        report.data("profile", Map.of("top_frames", profile.topFrames(), "libraries", profile.topLibraries(), "own_frames", profile.topOwnFrames()));
    }
}
