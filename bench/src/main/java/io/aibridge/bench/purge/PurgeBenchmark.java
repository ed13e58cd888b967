package io.aibridge.bench.purge;

import io.aibridge.bench.BenchOptions;
import io.aibridge.bench.Report;
import io.aibridge.bench.Table;
import io.aibridge.bench.recorder.EventPublisher;
import io.aibridge.bench.recorder.InterceptionWorkload;
import io.aibridge.bench.sessions.SessionDataSet;
import io.aibridge.bench.stack.DatabaseHousekeeping;
import io.aibridge.bench.stack.Prometheus;
import io.aibridge.bench.stack.Stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Point 5 of the benchmark issue: purging 30 of the data set's 90 days (retention 60 days) with the
 * real retention-service, started as a process of its own against the stack's database, while the
 * stack's real recorder stores a steady stream of interceptions from Kafka. The recorder's write
 * latency (its {@code aibridge_recorder_batch_write_seconds} histogram, scraped four times a
 * second) is compared before the retention-service starts, during the purge, and after it.
 */
public final class PurgeBenchmark {

    private static final String TOPIC = "aibridge.interceptions.v1";
    private static final Duration RETENTION = Duration.ofDays(60);
    private static final Pattern CUTOFF = Pattern.compile("cutoff (\\S+) ");
    private static final Pattern TOOK = Pattern.compile("took ([0-9.]+) s \\(days ([0-9.]+) s, boundary day ([0-9.]+) s, sessions ([0-9.]+) s\\)");

    private final Stack stack;
    private final BenchOptions options;

    public PurgeBenchmark(Stack stack, BenchOptions options) {
        this.stack = stack;
        this.options = options;
    }

    /** A window's batch writes. */
    private record Window(String name, long batches, double p50, double p99, double mean, Map<String, Double> stepMeans) {
    }

    /** The recorder's write steps ({@code aibridge_recorder_write_step_seconds}), in the order it runs them. */
    private static final List<String> STEPS = List.of("interceptions", "children", "threads", "sessions", "commit");

    public Report run(SessionDataSet.Generated data) throws Exception {
        Report report = new Report("purge");
        long before = countOlderThan(Instant.now().minus(RETENTION));
        List<Prometheus.Scrape> scrapes = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        Thread writer = new Thread(() -> publish(running), "bench-purge-traffic");
        Thread scraper = new Thread(() -> {
            while (running.get()) {
                try {
                    scrapes.add(Prometheus.scrape(stack.recorderUrl()));
                } catch (RuntimeException e) {
                    System.err.println("  recorder scrape failed: " + e.getMessage());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
            }
        }, "bench-purge-scraper");
        writer.start();
        scraper.start();
        Path log = options.results().resolve("logs").resolve("retention-benchmark.log");
        Files.createDirectories(log.getParent());
        Process retention = null;
        String line;
        long launchedNanos;
        long purgeEndNanos;
        double took;
        try {
            // The recorder, Kafka and this writer compile their paths of the new traffic for about 20 s
            // (half a core each at first): the baseline starts once they are done.
            Thread.sleep(TimeUnit.SECONDS.toMillis(options.quick() ? 5 : 30));
            Thread.sleep(TimeUnit.SECONDS.toMillis(options.purgeBaselineSeconds()));
            launchedNanos = System.nanoTime();
            retention = launch(log);
            line = awaitLogLine(log, retention, Duration.ofMinutes(15));
            long seenNanos = System.nanoTime();
            Matcher m = TOOK.matcher(line);
            took = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
            purgeEndNanos = seenNanos; // the line is written the moment the run ends; seen within 50 ms
            Thread.sleep(TimeUnit.SECONDS.toMillis(options.quick() ? 5 : 10));
        } finally {
            running.set(false);
            writer.join();
            scraper.join();
            if (retention != null) {
                retention.destroy();
                if (!retention.waitFor(30, TimeUnit.SECONDS)) {
                    retention.destroyForcibly();
                }
            }
        }
        long purgeStartNanos = purgeEndNanos - (long) (took * 1e9);
        long baselineNanos = TimeUnit.SECONDS.toNanos(options.purgeBaselineSeconds());
        List<Window> windows = new ArrayList<>(List.of(
                window("before (recorder alone)", scrapes, launchedNanos - baselineNanos, launchedNanos),
                window("retention-service starting (JVM boot, not the purge)", scrapes, launchedNanos, purgeStartNanos),
                window("during the purge", scrapes, purgeStartNanos, purgeEndNanos),
                window("after the purge", scrapes, purgeEndNanos, purgeEndNanos + TimeUnit.SECONDS.toNanos(options.quick() ? 5 : 10))));
        Matcher steps = TOOK.matcher(line);
        if (steps.find()) {
            // the purge's own steps, as far as the scrapes can tell them apart: which one the recorder feels
            long daysEnd = purgeStartNanos + (long) (Double.parseDouble(steps.group(2)) * 1e9);
            long sessionsStart = purgeEndNanos - (long) (Double.parseDouble(steps.group(4)) * 1e9);
            windows.add(window("… of which whole days", scrapes, purgeStartNanos, daysEnd));
            windows.add(window("… of which session summaries", scrapes, sessionsStart, purgeEndNanos));
        }
        // the purge's own cutoff, not now − 60 days: rows keep ageing past "now − 60 days" after the run
        Matcher cut = CUTOFF.matcher(line);
        long after = countOlderThan(cut.find() ? Instant.parse(cut.group(1)) : Instant.now().minus(RETENTION));
        long remaining = countAll();

        Table purge = new Table(String.format(Locale.ROOT, "Purge: retention 60 days over %,d interceptions in %d days, "
                + "while the recorder stores %d interceptions/s", data.interceptions(), options.days(), options.purgeWriteRate()), "what", "value");
        purge.row("**purge duration** (retention-service's own measure)", "**" + Table.fixed(took, 2) + " s**");
        Matcher m = TOOK.matcher(line);
        if (m.find()) {
            purge.row("of which: whole days / boundary day / session summaries", m.group(2) + " / " + m.group(3) + " / " + m.group(4) + " s");
        }
        purge.row("interceptions older than 60 days: before / after (older than the purge's cutoff)", Table.count(before) + " / " + Table.count(after));
        purge.row("interceptions left", Table.count(remaining));
        report.table(purge);
        Table latency = new Table("Recorder batch write + commit during the purge (bucket-interpolated from its histogram)",
                "window", "batches", "p50 ms", "p99 ms", "mean ms", "mean vs before", "mean by step: " + String.join(" / ", STEPS) + " ms");
        Window base = windows.get(0);
        for (Window w : windows) {
            latency.row(w.name, Table.count(w.batches), Table.ms(w.p50), Table.ms(w.p99), Table.ms(w.mean),
                    w == base || w.batches == 0 || base.batches == 0 ? "" : String.format(Locale.ROOT, "%+.0f %%", (w.mean - base.mean) / base.mean * 100),
                    STEPS.stream().map(step -> Table.ms(w.stepMeans.getOrDefault(step, Double.NaN))).collect(Collectors.joining(" / ")));
        }
        report.table(latency);
        report.note("retention-service's log line: " + line);
        report.note(took < 5
                ? String.format(Locale.ROOT, "Target met: purge %.2f s (target < 5 s).", took)
                : String.format(Locale.ROOT, "TARGET MISSED: purge %.2f s, target < 5 s: %.2f s over.", took, took - 5));
        Window during = windows.get(2);
        double rise = (during.mean - base.mean) / base.mean;
        if (during.batches == 0 || base.batches == 0) {
            report.note(String.format(Locale.ROOT, "No recorder batch ended %s (the purge took %.2f s): nothing to compare.",
                    during.batches == 0 ? "during the purge" : "before it", took));
        } else if (rise < 0.10) {
            report.note(String.format(Locale.ROOT, "Target met: the recorder's mean batch write changed by %+.0f %% during the purge (target < +10 %%).",
                    rise * 100));
        } else {
            report.note(String.format(Locale.ROOT, "TARGET MISSED: the recorder's mean batch write rose %+.0f %% during the purge (target < +10 %%); "
                    + "p50 %.1f → %.1f ms, p99 %.1f → %.1f ms over %d batches.", rise * 100, base.p50, during.p50, base.p99, during.p99, during.batches));
        }
        report.note("Windows are cut at the recorder's scrapes (every 250 ms), so 'during' may hold up to a quarter second on either side.");
        // the database's own housekeeping slows the recorder's batches as much as a purge can: say when it ran
        noteHousekeeping(report, "before the retention-service started", launchedNanos - baselineNanos, launchedNanos);
        noteHousekeeping(report, "during the purge", purgeStartNanos, purgeEndNanos);
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("took_s", took);
        raw.put("log_line", line);
        raw.put("older_than_retention_before", before);
        raw.put("older_than_retention_after", after);
        raw.put("interceptions_left", remaining);
        List<Map<String, Object>> ws = new ArrayList<>();
        for (Window w : windows) {
            ws.add(Map.of("window", w.name, "batches", w.batches, "p50_ms", w.p50, "p99_ms", w.p99, "mean_ms", w.mean,
                    "step_mean_ms", w.stepMeans));
        }
        raw.put("recorder_batch_write", ws);
        report.data("purge", raw);
        return report;
    }

    /** The stack's recorder gets {@code purgeWriteRate} interceptions per second, each published as it "ends". */
    private void publish(AtomicBoolean running) {
        InterceptionWorkload workload = new InterceptionWorkload(System.nanoTime(), 200, 200);
        try (EventPublisher publisher = new EventPublisher(stack.kafka())) {
            long period = (long) (1e9 / options.purgeWriteRate());
            long next = System.nanoTime();
            while (running.get()) {
                long now = System.nanoTime();
                if (now < next) {
                    LockSupport.parkNanos(next - now);
                    continue;
                }
                publisher.send(workload.next(Instant.now()));
                next += period;
            }
            publisher.flush();
        }
    }

    private Process launch(Path log) throws IOException {
        Path jar = stack.repo().resolve("retention-service/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with ./mvnw -B -pl bench -am package -DskipTests");
        }
        List<String> command = new ArrayList<>();
        int increment = shippedNiceness() - niceness("self");
        if (increment > 0) {
            command.addAll(List.of("nice", "-n", Integer.toString(increment)));
        }
        command.addAll(List.of("java", "-Daibridge.component=bench-retention", "-Djava.io.tmpdir=" + stack.home().resolve("tmp")));
        command.addAll(shippedJvmOptions());
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("AIBRIDGE_DB_URL", stack.jdbcUrl());
        env.put("AIBRIDGE_DB_USER", stack.dbUser());
        env.put("AIBRIDGE_DB_PASSWORD", stack.dbPassword());
        env.put("AIBRIDGE_RETENTION", "60d");
        env.put("AIBRIDGE_RETENTION_INTERVAL", "24h");
        env.put("AIBRIDGE_RETENTION_PORT", Integer.toString(stack.retentionPort()));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        return builder.start();
    }

    /**
     * The JVM options the stack started its own retention-service with ({@code deploy/local/run.sh}'s
     * choice, or {@code AIBRIDGE_RETENTION_JAVA_OPTS}), so that the purge runs in the JVM it ships in.
     * The stack's markers ({@code -Daibridge.*}) and its temporary directory are left out. A stack
     * without a retention-service (the smoke test's) gets a heap limit only.
     */
    private List<String> shippedJvmOptions() throws IOException {
        OptionalLong running = stack.pid("retention-service");
        if (running.isEmpty()) {
            return List.of("-Xmx512m");
        }
        String[] args = Files.readString(Path.of("/proc", Long.toString(running.getAsLong()), "cmdline")).split("\0");
        List<String> options = new ArrayList<>();
        for (int i = 1; i < args.length && !args[i].equals("-jar"); i++) {
            if (!args[i].startsWith("-Daibridge.") && !args[i].startsWith("-Djava.io.tmpdir=")) {
                options.add(args[i]);
            }
        }
        return options;
    }

    /**
     * The niceness the stack started its own retention-service at ({@code deploy/local/run.sh} runs
     * the recording side at {@code AIBRIDGE_BACKGROUND_NICE}), so that the purge competes for the
     * cores as the shipped one does; 0 for a stack without one (the smoke test's).
     */
    private int shippedNiceness() throws IOException {
        OptionalLong running = stack.pid("retention-service");
        return running.isEmpty() ? 0 : niceness(Long.toString(running.getAsLong()));
    }

    /** A process's niceness: field 19 of {@code /proc/<pid>/stat}, the 17th after the command's parenthesis. */
    private static int niceness(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]);
    }

    private static String awaitLogLine(Path log, Process process, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    int at = line.indexOf("Retention purge:");
                    if (at >= 0) {
                        return line.substring(at);
                    }
                    if (line.contains("Retention purge skipped") || line.contains("Retention purge failed")) {
                        throw new IllegalStateException("retention-service did not purge: " + line);
                    }
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("retention-service exited with " + process.exitValue() + "; see " + log);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no purge within " + timeout + "; see " + log);
    }

    /** Notes the tables PostgreSQL's autovacuum vacuumed or analyzed between two moments of the run. */
    private void noteHousekeeping(Report report, String when, long fromNanos, long toNanos) {
        DatabaseHousekeeping.recorderNote(when, DatabaseHousekeeping.during(stack, wallClock(fromNanos), wallClock(toNanos)))
                .ifPresent(report::note);
    }

    /** The wall-clock time of a {@link System#nanoTime()} reading. */
    private static Instant wallClock(long nanos) {
        return Instant.now().minusNanos(System.nanoTime() - nanos);
    }

    /** The batches whose writes ended between two moments: the difference of the scrapes around them. */
    private static Window window(String name, List<Prometheus.Scrape> scrapes, long fromNanos, long toNanos) {
        Prometheus.Scrape start = null;
        Prometheus.Scrape end = null;
        synchronized (scrapes) {
            for (Prometheus.Scrape s : scrapes) {
                if (s.nanos() <= fromNanos) {
                    start = s;
                }
                if (end == null && s.nanos() >= toNanos) {
                    end = s;
                }
            }
            if (start == null && !scrapes.isEmpty()) {
                start = scrapes.get(0);
            }
            if (end == null && !scrapes.isEmpty()) {
                end = scrapes.get(scrapes.size() - 1);
            }
        }
        if (start == null || end == null || end == start) {
            return new Window(name, 0, Double.NaN, Double.NaN, Double.NaN, Map.of());
        }
        Prometheus.Histogram h = end.histogram("aibridge_recorder_batch_write_seconds", l -> TOPIC.equals(l.get("topic")))
                .minus(start.histogram("aibridge_recorder_batch_write_seconds", l -> TOPIC.equals(l.get("topic"))));
        Map<String, Double> stepMeans = new LinkedHashMap<>();
        for (String step : STEPS) {
            Prometheus.Histogram s = end.histogram("aibridge_recorder_write_step_seconds", l -> step.equals(l.get("step")))
                    .minus(start.histogram("aibridge_recorder_write_step_seconds", l -> step.equals(l.get("step"))));
            stepMeans.put(step, s.count() == 0 ? Double.NaN : s.mean() * 1000);
        }
        return new Window(name, (long) h.count(), h.quantile(0.5) * 1000, h.quantile(0.99) * 1000, h.mean() * 1000, stepMeans);
    }

    private long countOlderThan(Instant cutoff) throws SQLException {
        try (Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword());
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM aibridge_interceptions WHERE started_at < ?")) {
            s.setObject(1, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long countAll() throws SQLException {
        try (Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword());
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM aibridge_interceptions");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
