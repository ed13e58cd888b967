package io.aibridge.system.stack;

import io.aibridge.testing.Database;
import io.aibridge.testing.fake.FakeProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The whole system as separate processes, once per test run and shared by every test class: a
 * Kafka broker (child JVM), PostgreSQL (embedded, in this JVM, stoppable and restartable on the
 * same port and data), the fake provider (in this JVM), and the four services from their packaged
 * jars, on random free ports, with every file under {@code target/system-run}.
 *
 * <p>Every child process carries {@code -Daibridge.system.run=<run directory>} on its command line:
 * {@link #close()} stops them all, a JVM shutdown hook does it when the run is interrupted, and the
 * next start kills whatever a killed run left behind (found by that marker, or by the PostgreSQL
 * data directory under this module's {@code target/}).
 */
public final class SystemStack implements AutoCloseable {

    /** The proxy's anthropic instance on the fake provider's AWS Bedrock, and the Bedrock model it calls. */
    public static final String BEDROCK_INSTANCE = "claude-aws";
    public static final String BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    /**
     * The proxy's openai instance with two keys: the fake provider rate-limits the first for the
     * requests that ask it to ({@code X-Fake-Refused-Keys}), so they go on with the second.
     */
    public static final String POOL_INSTANCE = "openai-pool";
    public static final String POOL_REFUSED_KEY = "sk-proj-pool-rate-limited-0001";
    public static final String POOL_SERVING_KEY = "sk-proj-pool-serving-key-0002";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration READY = Duration.ofSeconds(240);
    /** The local stack's fixed ports (deploy/local): never used here, whatever the OS hands out. */
    private static final Set<Integer> LOCAL_STACK_PORTS = Set.of(8080, 8081, 8082, 8083, 9092, 9093, 9099, 15432);
    private static SystemStack instance;

    /** Secrets of this run: random, so that finding one anywhere is proof of a leak. */
    public final String bootstrapToken = "aibridge-bootstrap-" + secret(24);
    public final String openAiKey = "sk-proj-SYSTEMTEST" + secret(20) + "wxyz";
    public final String anthropicKey = "sk-ant-api03-SYSTEMTEST" + secret(20) + "abcd";

    private final Path repository;
    private final Path run;
    private final Path logs;
    private final String marker;
    private final long startedNanos = System.nanoTime();
    private final Totals totals = new Totals();
    private KafkaServer kafka;
    private Database database;
    private FakeProvider fake;
    private Service proxy;
    private Service query;
    private Service recorder;
    private Service retention;
    private QueryApi api;
    private boolean closed;

    private SystemStack(Path repository, Path run) {
        this.repository = repository;
        this.run = run;
        this.logs = run.resolve("logs");
        this.marker = "-Daibridge.system.run=" + run;
    }

    /** The running system, started on first use. */
    public static synchronized SystemStack get() {
        if (instance == null) {
            Path repository = Path.of(System.getProperty("aibridge.repository", "..")).toAbsolutePath().normalize();
            Path run = Path.of(System.getProperty("aibridge.system.run", "target/system-run")).toAbsolutePath().normalize();
            SystemStack stack = new SystemStack(repository, run);
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "system-stack-stop"));
            try {
                stack.start();
            } catch (RuntimeException | Error e) {
                stack.close();
                throw e;
            }
            instance = stack;
        }
        return instance;
    }

    private void start() {
        long t0 = System.nanoTime();
        reapLeftovers();
        deleteRecursively(run);
        try {
            Files.createDirectories(logs);
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Path> jars = new LinkedHashMap<>();
        for (String module : List.of("proxy-service", "query-service", "recorder-service", "retention-service")) {
            Path jar = repository.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build with ./mvnw -B -pl system-tests -am verify");
            }
            jars.put(module, jar);
        }
        kafka = new KafkaServer(run.resolve("kafka"), logs, freePort(), freePort(), javaWithTestClasspath(), marker);
        CompletableFuture<Void> broker = CompletableFuture.runAsync(() -> {
            kafka.format();
            kafka.start();
        });
        CompletableFuture<Database> db = CompletableFuture.supplyAsync(Database::start);
        fake = FakeProvider.start();
        broker.join();
        database = db.join();
        log("Kafka on %s, PostgreSQL on %d, fake provider on %s (%.1f s)", kafka.bootstrapServers(), database.port(),
                fake.openAiBaseUrl(), seconds(t0));

        Map<String, String> shared = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "AIBRIDGE_DB_URL", database.jdbcUrl(),
                "AIBRIDGE_DB_USER", database.user(),
                "AIBRIDGE_DB_PASSWORD", database.password(),
                "AIBRIDGE_BOOTSTRAP_TOKEN", bootstrapToken,
                "QUARKUS_HTTP_HOST", "127.0.0.1");
        Map<String, String> proxyEnv = new LinkedHashMap<>(shared);
        proxyEnv.putAll(Map.of(
                "AIBRIDGE_OPENAI_BASE_URL", fake.openAiBaseUrl(),
                "AIBRIDGE_OPENAI_KEY", openAiKey,
                "AIBRIDGE_ANTHROPIC_BASE_URL", fake.anthropicBaseUrl(),
                "AIBRIDGE_ANTHROPIC_KEY", anthropicKey,
                "AIBRIDGE_SPOOL_DIR", run.resolve("proxy-spool").toString(),
                // a hanging provider becomes a 504 in 3 s rather than 10 minutes
                "AIBRIDGE_UPSTREAM_TIMEOUT", "3s",
                "AIBRIDGE_MAX_REQUEST_BODY", "2M",
                "AIBRIDGE_EVENTS_PARTITIONS", "3",
                "AIBRIDGE_SHUTDOWN_TIMEOUT", "15s"));
        // Claude on the fake provider's AWS Bedrock, under /claude-aws
        proxyEnv.putAll(Map.of(
                "AIBRIDGE_PROVIDER_0_TYPE", "anthropic",
                "AIBRIDGE_PROVIDER_0_NAME", BEDROCK_INSTANCE,
                "AIBRIDGE_PROVIDER_0_BEDROCK_BASE_URL", fake.bedrockBaseUrl(),
                "AIBRIDGE_PROVIDER_0_BEDROCK_REGION", "us-east-1",
                "AIBRIDGE_PROVIDER_0_BEDROCK_ACCESS_KEY", FakeProvider.BEDROCK_ACCESS_KEY,
                "AIBRIDGE_PROVIDER_0_BEDROCK_ACCESS_KEY_SECRET", FakeProvider.BEDROCK_SECRET_KEY,
                "AIBRIDGE_PROVIDER_0_BEDROCK_MODEL", BEDROCK_MODEL,
                "AIBRIDGE_PROVIDER_0_BEDROCK_SMALL_FAST_MODEL", BEDROCK_MODEL));
        proxyEnv.putAll(Map.of(
                "AIBRIDGE_PROVIDER_1_TYPE", "openai",
                "AIBRIDGE_PROVIDER_1_NAME", POOL_INSTANCE,
                "AIBRIDGE_PROVIDER_1_KEYS", POOL_REFUSED_KEY + "," + POOL_SERVING_KEY,
                "AIBRIDGE_PROVIDER_1_BASE_URL", fake.openAiBaseUrl()));
        Map<String, String> recorderEnv = new LinkedHashMap<>(shared);
        // small batches, so that a backlog takes several (RecorderKillSystemTest uses one-event batches for the
        // incarnation it kills mid-backlog); quick retries after an outage
        recorderEnv.putAll(Map.of("AIBRIDGE_RECORDER_BATCH_SIZE", "100", "AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF", "2s"));

        proxy = service("proxy-service", jars, proxyEnv, "AIBRIDGE_PROXY_PORT");
        query = service("query-service", jars, shared, "AIBRIDGE_QUERY_PORT");
        recorder = service("recorder-service", jars, recorderEnv, "AIBRIDGE_RECORDER_PORT");
        retention = service("retention-service", jars, shared, "AIBRIDGE_RETENTION_PORT");
        recorder.start(); // it migrates the schema the others read
        proxy.start();
        query.start();
        retention.start();
        List.of(recorder, proxy, query, retention).parallelStream().forEach(s -> s.awaitReady(READY));
        api = new QueryApi(query.baseUrl(), bootstrapToken);
        log("all four services ready (%.1f s since the start of the stack)", seconds(t0));
    }

    private Service service(String name, Map<String, Path> jars, Map<String, String> env, String portVariable) {
        int port = freePort();
        Map<String, String> environment = new LinkedHashMap<>(env);
        environment.put(portVariable, String.valueOf(port));
        Path dir = run.resolve(name);
        try {
            Files.createDirectories(dir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of(javaExecutable(), marker, "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + dir.resolve("tmp"), "-jar", jars.get(name).toString());
        return new Service(name, port, command, environment, logs, dir);
    }

    // ------------------------------------------------------------------ what tests use

    public KafkaServer kafka() {
        return kafka;
    }

    public Database database() {
        return database;
    }

    public FakeProvider fake() {
        return fake;
    }

    public Service proxy() {
        return proxy;
    }

    public Service query() {
        return query;
    }

    public Service recorder() {
        return recorder;
    }

    public Service retention() {
        return retention;
    }

    public QueryApi api() {
        return api;
    }

    public Totals totals() {
        return totals;
    }

    public Path logs() {
        return logs;
    }

    public Path run() {
        return run;
    }

    /** Base URL of the OpenAI routes (the SDK appends {@code /chat/completions}). */
    public String openAiBaseUrl() {
        return proxy.baseUrl() + "/api/v2/aibridge/openai/v1";
    }

    /** Base URL of the Anthropic routes (the SDK appends {@code /v1/messages}). */
    public String anthropicBaseUrl() {
        return proxy.baseUrl() + "/api/v2/aibridge/anthropic";
    }

    /** The OpenAI SDKs' base URL for the proxy's instance with two keys. */
    public String poolBaseUrl() {
        return proxy.baseUrl() + "/api/v2/aibridge/" + POOL_INSTANCE + "/v1";
    }

    /** The Anthropic SDKs' base URL for the proxy's instance on (the fake provider's) AWS Bedrock. */
    public String bedrockBaseUrl() {
        return proxy.baseUrl() + "/api/v2/aibridge/" + BEDROCK_INSTANCE;
    }

    /**
     * Stops the proxy gracefully (SIGTERM) and adds what its publisher reported on the way out to the
     * totals. Returns the events it left in the spool.
     */
    public long stopProxy() {
        int exit = proxy.process().stop(Duration.ofSeconds(90));
        String log = readLog(proxy.process().log());
        Matcher m = Pattern.compile("events since start: (\\d+) published, (\\d+) spooled, (\\d+) replayed, (\\d+) dropped; (\\d+) kept in the spool")
                .matcher(log);
        java.util.regex.MatchResult last = null;
        while (m.find()) {
            last = m.toMatchResult();
        }
        if (last == null) {
            throw new IllegalStateException("proxy-service (exit " + exit + ") did not report its events on the way out:\n"
                    + proxy.process().tail(40));
        }
        long kept = Long.parseLong(last.group(5));
        totals.proxyStopped(Long.parseLong(last.group(2)), Long.parseLong(last.group(3)), Long.parseLong(last.group(4)));
        return kept;
    }

    public void startProxy() {
        proxy.start().awaitReady(READY);
    }

    /** Brings back whatever a failed test left stopped, so the next test class finds a healthy system. */
    public void heal() {
        if (!kafka.running()) {
            kafka.start();
        }
        if (!database.running()) {
            database.restart();
        }
        for (Service s : List.of(recorder, proxy, query, retention)) {
            if (!s.process().alive()) {
                s.start();
            }
        }
        for (Service s : List.of(recorder, proxy, query, retention)) {
            s.awaitReady(READY);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        String summary = null;
        if (proxy != null && proxy.process().alive() && api != null) {
            try {
                totals.proxyRunning(proxy.metric("aibridge_events_spooled_total"), proxy.metric("aibridge_events_replayed_total"),
                        proxy.metric("aibridge_events_dropped_total"));
            } catch (RuntimeException e) {
                System.err.println("could not read the proxy's metrics: " + e);
            }
            summary = totals.summary(seconds(startedNanos));
        }
        for (Service s : new Service[] {proxy, query, recorder, retention}) {
            if (s != null) {
                s.process().stop(Duration.ofSeconds(30));
            }
        }
        if (fake != null) {
            fake.close();
        }
        if (kafka != null) {
            kafka.stop();
        }
        if (database != null) {
            database.close();
        }
        List<String> left = leftovers();
        if (!left.isEmpty()) {
            System.err.println("system tests: processes still running after the stop, killing them: " + left);
            reapLeftovers();
        }
        if (summary != null) {
            System.out.println(summary);
            try {
                Files.writeString(run.resolve("summary.txt"), summary + System.lineSeparator());
            } catch (IOException e) {
                System.err.println("could not write the summary: " + e);
            }
        }
    }

    // ------------------------------------------------------------------ processes left behind

    /** Processes of this module's runs that are still alive: ours carry the marker, PostgreSQL its data directory. */
    private List<String> leftovers() {
        List<String> out = new ArrayList<>();
        String tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString();
        ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid()).forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (cmd.contains(marker) || (cmd.contains(tmp + "/aibridge-pg-") && cmd.contains("postgres"))) {
                out.add(p.pid() + " " + (cmd.length() > 120 ? cmd.substring(0, 120) + "..." : cmd));
            }
        });
        return out;
    }

    private void reapLeftovers() {
        String tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString();
        ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid()).forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (cmd.contains(marker) || (cmd.contains(tmp + "/aibridge-pg-") && cmd.contains("postgres"))) {
                System.err.println("system tests: killing a process a previous run left behind: " + p.pid() + " " + cmd);
                p.destroyForcibly();
            }
        });
    }

    // ------------------------------------------------------------------ helpers

    private List<String> javaWithTestClasspath() {
        return List.of(javaExecutable(), "-cp", System.getProperty("java.class.path"));
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                int port = s.getLocalPort();
                if (!LOCAL_STACK_PORTS.contains(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String secret(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public static String readLog(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    public static void log(String format, Object... args) {
        System.out.printf("[system] " + format + "%n", args);
        System.out.flush();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
