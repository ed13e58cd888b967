package io.aibridge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.aibridge.bench.proxy.MemoryBenchmark;
import io.aibridge.bench.proxy.ProxyBenchmark;
import io.aibridge.bench.purge.PurgeBenchmark;
import io.aibridge.bench.recorder.RecorderBenchmark;
import io.aibridge.bench.sessions.SessionDataSet;
import io.aibridge.bench.sessions.SessionListBenchmark;
import io.aibridge.bench.stack.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Runs the benchmarks of issue 11 against a local stack started by {@code bench/run.sh} (which is
 * the command to use: it builds, starts the stack with ports and a home of its own, runs this, and
 * stops the stack). Prints a Markdown table per benchmark and writes each as JSON under
 * {@code bench/results/}, with the machine's core count, the git commit and the load average.
 */
@Command(name = "bench/run.sh", mixinStandardHelpOptions = true, sortOptions = false,
        description = "AI Bridge benchmarks: proxy overhead, maximum throughput, proxy memory, recorder ingest and lag, session-list latency, purge cost.")
public final class BenchMain implements Callable<Integer> {

    static final List<String> ALL = List.of("proxy", "throughput", "memory", "recorder", "sessions", "purge");

    @Option(names = "--quick", description = "Small sizes and short runs: checks the harness in a few minutes; the numbers mean little.")
    boolean quick;

    @Option(names = "--full", description = "The benchmark issue's sizes: 30 s per rate, 1,000,000 interceptions in 100,000 sessions "
            + "(about 40 minutes on 2 shared cores).")
    boolean full;

    @Option(names = "--only", split = ",", paramLabel = "NAME",
            description = "Benchmarks to run, comma-separated, from: proxy, throughput, memory, recorder, sessions, purge (default: all, in that order).")
    List<String> only;

    @Option(names = "--no-profile", description = "Skip the profiled extra runs (JFR on the proxy and on the recorder).")
    boolean noProfile;

    @Option(names = "--rates", split = ",", description = "Proxy overhead: request rates per second (default 100,500,1000).")
    List<Integer> rates;

    @Option(names = "--modes", split = ",", description = "Proxy overhead: blocking, streaming or both (default both).")
    List<String> modes;

    @Option(names = "--seconds", description = "Proxy overhead: measured seconds per run (default 15; --full 30; --quick 6).")
    Integer seconds;

    @Option(names = "--warmup", description = "Seconds before each measured run that are not counted (default 3; --full 5; --quick 2).")
    Integer warmup;

    @Option(names = "--ttfb-ms", defaultValue = "60", description = "Fake provider's time to first byte (default ${DEFAULT-VALUE}).")
    int ttfbMs;

    @Option(names = "--chunk-delay-ms", defaultValue = "20", description = "Fake provider's pause between SSE frames (default ${DEFAULT-VALUE}).")
    int chunkDelayMs;

    @Option(names = "--body-kb", defaultValue = "0", description = "Extra KB of system prompt in each request (default ${DEFAULT-VALUE}).")
    int bodyKb;

    @Option(names = "--alternations", defaultValue = "1", paramLabel = "N",
            description = "Proxy overhead: direct/proxied pairs per rate and mode, in the order D P, P D, D P, ...; the overhead is judged on "
                    + "all direct runs pooled against all proxied runs pooled, with each pair's min / median / max beside it "
                    + "(default ${DEFAULT-VALUE}; 3 for the streaming TTFB question).")
    int alternations;

    @Option(names = "--interleave",
            description = "Proxy overhead: send each pair's direct and proxied requests in one window, taking turns on one schedule "
                    + "(each side at the full rate, so the fake provider serves twice it), instead of one side after the other: "
                    + "the host's drift then lands on both sides alike.")
    boolean interleave;

    @Option(names = "--search-start", description = "Maximum throughput: first rate tried (default 500).")
    Integer searchStart;

    @Option(names = "--search-max", defaultValue = "50000", description = "Maximum throughput: highest rate tried (default ${DEFAULT-VALUE}).")
    int searchMax;

    @Option(names = "--search-seconds", description = "Maximum throughput: measured seconds per step (default 10; --full 15; --quick 5).")
    Integer searchSeconds;

    @Option(names = "--overhead-limit-ms", defaultValue = "10", description = "Maximum throughput: the p99 overhead limit (default ${DEFAULT-VALUE}).")
    double overheadLimitMs;

    @Option(names = "--memory-streams", description = "Proxy memory: streamed interceptions measured, after a fifth as many "
            + "for warm-up (default 10000; --quick 1000).")
    Integer memoryStreams;

    @Option(names = "--memory-rate", defaultValue = "200", description = "Proxy memory: streams started per second (default ${DEFAULT-VALUE}).")
    int memoryRate;

    @Option(names = "--backlog", description = "Recorder: interceptions in the backlog drained (default 40000, about 180,000 events; --quick 5000).")
    Integer backlog;

    @Option(names = "--lag-rate", description = "Recorder: interceptions per second for the lag run (default 1000).")
    Integer lagRate;

    @Option(names = "--lag-seconds", description = "Recorder: seconds of the lag run (default 20; --full 30; --quick 8).")
    Integer lagSeconds;

    @Option(names = "--lag-warmup", description = "Recorder: seconds of the same paced load before the lag run, not counted (default 10; --quick 3).")
    Integer lagWarmup;

    @Option(names = "--interceptions", description = "Sessions and purge: interceptions in the data set (default 300000; --full 1000000; --quick 100000).")
    Integer interceptions;

    @Option(names = "--sessions", description = "Sessions and purge: sessions in the data set (default 30000; --full 100000; --quick 10000).")
    Integer sessions;

    @Option(names = "--users", defaultValue = "200", description = "Sessions and purge: users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--days", defaultValue = "90", description = "Sessions and purge: days the data set spans, ending now (default ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--runs", description = "Sessions: timed rounds over every API case (default 30; --full 60; --quick 15).")
    Integer runs;

    @Option(names = "--raw-runs", description = "Sessions: runs of the raw aggregation per case (default 2; --full 3; --quick 2).")
    Integer rawRuns;

    @Option(names = "--purge-write-rate", defaultValue = "200", description = "Purge: interceptions per second the recorder stores meanwhile (default ${DEFAULT-VALUE}).")
    int purgeWriteRate;

    @Option(names = "--purge-baseline", description = "Purge: seconds of recorder writes measured before the purge (default 15; --full 20; --quick 8).")
    Integer purgeBaseline;

    @Option(names = "--repo", required = true, description = "The checkout (bench/run.sh sets it).")
    Path repo;

    @Option(names = "--home", required = true, description = "AIBRIDGE_HOME of the running stack (bench/run.sh sets it).")
    Path home;

    @Option(names = "--port-base", required = true, description = "The stack's ports: proxy +0, query +1, recorder +2, retention +3, "
            + "fake provider +4, Kafka +5, PostgreSQL +7; +8 for the purge benchmark's retention-service (bench/run.sh sets it).")
    int portBase;

    @Option(names = "--results", description = "Where tables and JSON go (default <repo>/bench/results).")
    Path results;

    public static void main(String[] args) {
        quietLibraries();
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    /**
     * The Kafka and PostgreSQL clients log through SLF4J to JBoss LogManager, which nothing
     * configures in this process: every level was on and no handler printed anything, so each
     * record sent formatted a trace message with its bytes spelled out for nobody (the purge
     * benchmark's writer of 200 interceptions a second took a third of a core instead of a fifth,
     * on the cores it measures). Installed as the JDK's log manager with its root at WARNING, the
     * libraries skip their debug and trace messages. Must run before anything logs.
     */
    private static void quietLibraries() {
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    }

    @Override
    public Integer call() throws Exception {
        Set<String> selected = new LinkedHashSet<>();
        for (String name : ALL) {
            if (only == null || only.contains(name)) {
                selected.add(name);
            }
        }
        if (only != null && !ALL.containsAll(only)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--only takes " + String.join(", ", ALL) + "; got " + only);
        }
        Path out = results != null ? results : repo.resolve("bench/results");
        Files.createDirectories(out);
        BenchOptions options = options(out);
        Stack stack = new Stack(repo, home, url(0), url(4), url(1), url(2), "127.0.0.1:" + (portBase + 5),
                "jdbc:postgresql://127.0.0.1:" + (portBase + 7) + "/aibridge", "aibridge", "aibridge", portBase + 8);
        Outcome outcome = run(stack, options, Machine.describe(repo), selected);
        if (!outcome.failed().isEmpty()) {
            System.err.println("failed: " + outcome.failed());
            return 1;
        }
        return 0;
    }

    /** What {@link #run} produced: the reports by benchmark name, and the benchmarks that failed. */
    public record Outcome(Map<String, Report> reports, List<String> failed, Path markdown) {
    }

    /**
     * Runs the selected benchmarks, in the order of {@link #ALL}, against a running stack: prints
     * each table, appends it to {@code results-<stamp>.md} and writes {@code <name>-<stamp>.json} and
     * {@code <name>-latest.json} under {@code options.results()}. A benchmark that fails is reported
     * and the others still run. (The smoke test calls this with a stack of its own.)
     */
    public static Outcome run(Stack stack, BenchOptions options, Machine machine, Set<String> selected) throws Exception {
        Path out = options.results();
        Files.createDirectories(out);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path markdown = out.resolve("results-" + stamp + ".md");
        String header = String.format(java.util.Locale.ROOT, "# AI Bridge benchmarks%s%n%n%d cores, %d MB, Java %s, commit %s%s; %s; started %s%n%n",
                " (" + options.scale().label() + ")", machine.cores(), machine.memoryMb(), machine.javaVersion(),
                machine.commit(), machine.dirty() ? " (with uncommitted changes)" : "", Machine.loadLine(), Instant.now());
        System.out.print(header);
        Files.writeString(markdown, header);
        SessionDataSet.Generated data = null;
        Map<String, Report> reports = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        for (String name : ALL) {
            if (!selected.contains(name)) {
                continue;
            }
            System.out.printf("%n== %s (%s)%n", name, Machine.loadLine());
            Report report;
            try {
                switch (name) {
                    case "proxy" -> report = new ProxyBenchmark(stack, options).overhead();
                    case "throughput" -> report = new ProxyBenchmark(stack, options).maxThroughput();
                    case "memory" -> report = new MemoryBenchmark(stack, options).run();
                    case "recorder" -> report = new RecorderBenchmark(stack, options).run();
                    case "sessions" -> {
                        data = generate(stack, options);
                        report = new SessionListBenchmark(stack, options).run(data);
                    }
                    case "purge" -> {
                        if (data == null) {
                            data = generate(stack, options);
                        }
                        report = new PurgeBenchmark(stack, options).run(data);
                    }
                    default -> throw new IllegalStateException(name);
                }
            } catch (Exception e) {
                System.err.println("benchmark " + name + " failed: " + e);
                e.printStackTrace();
                failed.add(name);
                continue;
            }
            String text = report.toMarkdown();
            System.out.println();
            System.out.print(text);
            Files.writeString(markdown, "## " + name + "\n\n" + text + "\n", StandardOpenOption.APPEND);
            write(out, name, stamp, report.toMap(machine, options.toMap()));
            reports.put(name, report);
        }
        System.out.printf("%nTables: %s; JSON: %s/<benchmark>-latest.json%n", markdown, out);
        return new Outcome(reports, failed, markdown);
    }

    private static SessionDataSet.Generated generate(Stack stack, BenchOptions options) throws Exception {
        System.out.printf(java.util.Locale.ROOT, "  generating %,d interceptions in %,d sessions over %d days (replaces the interception tables' rows)%n",
                options.interceptions(), options.sessions(), options.days());
        SessionDataSet.Generated data = SessionListBenchmark.dataSet(stack, options).generate(Instant.now().minusSeconds(120));
        System.out.printf("  generated in %d s%n", data.took().toSeconds());
        return data;
    }

    private String url(int offset) {
        return "http://127.0.0.1:" + (portBase + offset);
    }

    private static void write(Path out, String name, String stamp, Object json) throws Exception {
        // NaN (a percentile of nothing) is written as the string "NaN", Jackson's default
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        byte[] bytes = mapper.writeValueAsBytes(json);
        Files.write(out.resolve(name + "-" + stamp + ".json"), bytes);
        Files.write(out.resolve(name + "-latest.json"), bytes);
    }

    BenchOptions options(Path out) {
        for (String mode : modes == null ? List.<String>of() : modes) {
            if (!mode.equals("blocking") && !mode.equals("streaming")) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--modes takes blocking and/or streaming; got " + mode);
            }
        }
        if (alternations < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--alternations takes 1 or more; got " + alternations);
        }
        if (quick && full) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--quick and --full exclude each other");
        }
        BenchOptions.Scale scale = quick ? BenchOptions.Scale.QUICK : full ? BenchOptions.Scale.FULL : BenchOptions.Scale.DEFAULT;
        return new BenchOptions(scale, out, !noProfile,
                rates != null ? rates : quick ? List.of(100, 500) : List.of(100, 500, 1000),
                modes != null ? modes : List.of("blocking", "streaming"),
                or(seconds, 30, 15, 6), or(warmup, 5, 3, 2), ttfbMs, chunkDelayMs, bodyKb, alternations, interleave,
                or(searchStart, 500, 500, 500), searchMax, or(searchSeconds, 15, 10, 5), overheadLimitMs,
                or(memoryStreams, 10_000, 10_000, 1_000), memoryRate,
                or(backlog, 40_000, 40_000, 5_000), or(lagRate, 1_000, 1_000, 1_000), or(lagSeconds, 30, 20, 8), or(lagWarmup, 10, 10, 3),
                or(interceptions, 1_000_000, 300_000, 100_000), or(sessions, 100_000, 30_000, 10_000), users, days,
                or(runs, 60, 30, 15), or(rawRuns, 3, 2, 2), purgeWriteRate, or(purgeBaseline, 20, 15, 8));
    }

    /** A size given on the command line, or the default of the scale. */
    private int or(Integer given, int fullValue, int defaultValue, int quickValue) {
        return given != null ? given : quick ? quickValue : full ? fullValue : defaultValue;
    }
}
