package io.aibridge.retention.benchmark;

import io.aibridge.retention.config.RetentionConfig;
import io.aibridge.retention.purge.BoundaryDayRepository;
import io.aibridge.retention.purge.ExpiredDayDropper;
import io.aibridge.retention.purge.LockRetry;
import io.aibridge.retention.purge.PartitionRepository;
import io.aibridge.retention.purge.PartitionedTable;
import io.aibridge.retention.purge.PurgeMetrics;
import io.aibridge.retention.purge.PurgeReport;
import io.aibridge.retention.purge.PurgeService;
import io.aibridge.retention.purge.SessionSummaryRepository;
import io.aibridge.retention.testdata.RecorderStyleWriter;
import io.aibridge.retention.testdata.TestInterception;
import io.aibridge.testing.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.postgresql.ds.PGSimpleDataSource;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The performance target of retention: purging 30 of 90 days holding 1,000,000 interceptions (with
 * five child rows each and ten interceptions per session) while two recorder-style writers store
 * batches of interceptions (each 5 transactions of 10 interceptions per second, with their children
 * and the refresh of the sessions they touched, like a consumer's batch). Prints
 * the purge's duration and the writer's latency before and during the purge. Not part of the
 * build: run it with
 * {@code ./mvnw -B -pl retention-service -am verify -Dtest=PurgeBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Daibridge.benchmark=true}
 * (optionally {@code -Daibridge.benchmark.interceptions=N}; {@code AIBRIDGE_TEST_JDBC_URL} runs it on
 * an existing server instead of the embedded one).
 */
@EnabledIfSystemProperty(named = "aibridge.benchmark", matches = "true")
class PurgeBenchmark {

    private static final int INTERCEPTIONS = Integer.getInteger("aibridge.benchmark.interceptions", 1_000_000);
    private static final int WRITERS = Integer.getInteger("aibridge.benchmark.writers", 2);
    private static final int TRANSACTIONS_PER_SECOND = Integer.getInteger("aibridge.benchmark.transactions-per-second", 5);
    private static final int INTERCEPTIONS_PER_TRANSACTION = Integer.getInteger("aibridge.benchmark.interceptions-per-transaction", 10);
    private static final Duration BASELINE = Duration.ofSeconds(Integer.getInteger("aibridge.benchmark.baseline-seconds", 20));
    private static final Duration WARM_UP = Duration.ofSeconds(10);
    private static final Duration AFTER = Duration.ofSeconds(10);
    private static final Duration RETENTION = Duration.ofDays(60);

    @Test
    void purgesThirtyOfNinetyDaysWhileTheRecorderWrites() throws Exception {
        try (Database database = Database.start().migrate()) {
            long seedStarted = System.nanoTime();
            seed(database);
            Duration seeding = Duration.ofNanos(System.nanoTime() - seedStarted);

            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl(database.jdbcUrl());
            dataSource.setUser(database.user());
            dataSource.setPassword(database.password());
            PurgeService purge = purgeService(dataSource);

            Instant dryRunStart = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            PurgeReport dryRun = purge.purge(dryRunStart, RETENTION, true);

            List<Writer> writers = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                writers.add(new Writer(database));
            }
            writers.forEach(Writer::start);
            Thread.sleep(WARM_UP.toMillis()); // their first transactions load the catalog of 600 partitions
            Thread.sleep(BASELINE.toMillis());
            long purgeStarted = System.nanoTime();
            PurgeReport report = purge.purge(Instant.now().truncatedTo(ChronoUnit.MILLIS), RETENTION, false);
            long purgeEnded = System.nanoTime();
            Thread.sleep(AFTER.toMillis());
            List<Long> before = new ArrayList<>();
            List<Long> during = new ArrayList<>();
            List<Long> after = new ArrayList<>();
            List<Exception> errors = new ArrayList<>();
            for (Writer writer : writers) {
                writer.stop();
                before.addAll(writer.latencies(purgeStarted - BASELINE.toNanos(), purgeStarted));
                during.addAll(writer.latencies(purgeStarted, purgeEnded));
                after.addAll(writer.latencies(purgeEnded, purgeEnded + AFTER.toNanos()));
                errors.addAll(writer.errors());
            }
            Collections.sort(before);
            Collections.sort(during);
            Collections.sort(after);
            print(server(database), seeding, dryRun, report, before, during, after, errors);
        }
    }

    /** 1,000,000 interceptions over 90 days with their children and session summaries, written server-side. */
    private static void seed(Database database) throws SQLException {
        try (Connection connection = database.connect(); Statement sql = connection.createStatement()) {
            sql.execute("SELECT aibridge_ensure_day_partitions((now() - interval '91 days')::date, (now() + interval '30 days')::date)");
            sql.execute("""
                    INSERT INTO aibridge_interceptions (id, started_at, initiator_id, api_key_id, provider, provider_name, model,
                        metadata, client, client_session_id, user_agent, streaming, request_path, ended_at, end_status,
                        http_status, duration_ms)
                    SELECT gen_random_uuid(), t.started_at,
                           ('00000000-0000-0000-0000-' || lpad(((g / 10) %% 200)::text, 12, '0'))::uuid,
                           'key', 'anthropic', 'anthropic', 'claude-sonnet-4-5', '{"request_user_agent":"claude-cli/2.0"}',
                           'Claude Code', 'bench-' || (g / 10), 'claude-cli/2.0', true, '/v1/messages',
                           t.started_at + interval '20 seconds', 'completed', 200, 20000
                    FROM generate_series(1, %d) g,
                         LATERAL (SELECT now() - interval '1 minute' - (g * interval '90 days' / %d) AS started_at) t
                    """.formatted(INTERCEPTIONS, INTERCEPTIONS));
            sql.execute("""
                    INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, provider_response_id,
                        input_tokens, output_tokens, cache_read_input_tokens, created_at)
                    SELECT gen_random_uuid(), id, started_at, 'msg_' || left(id::text, 8), 1200, 300, 5000, started_at + interval '19 seconds'
                    FROM aibridge_interceptions
                    """);
            sql.execute("""
                    INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, provider_response_id, prompt, created_at)
                    SELECT gen_random_uuid(), id, started_at, 'msg_' || left(id::text, 8),
                           'Refactor the session list query to use keyset paging', started_at + interval '1 second'
                    FROM aibridge_interceptions
                    """);
            sql.execute("""
                    INSERT INTO aibridge_tool_usages (id, interception_id, interception_started_at, provider_response_id,
                        provider_tool_call_id, tool, input, created_at)
                    SELECT gen_random_uuid(), id, started_at, 'msg_' || left(id::text, 8), 'toolu_' || n || '_' || left(id::text, 8),
                           'Bash', '{"command":"grep -rn keyset src"}', started_at + interval '18 seconds'
                    FROM aibridge_interceptions, generate_series(1, 2) n
                    """);
            sql.execute("""
                    INSERT INTO aibridge_model_thoughts (id, interception_id, interception_started_at, provider_response_id,
                        content, source, created_at)
                    SELECT gen_random_uuid(), id, started_at, 'msg_' || left(id::text, 8),
                           'The list query sorts by last_active_at; a keyset cursor needs the id as tie-breaker.', 'thinking',
                           started_at + interval '5 seconds'
                    FROM aibridge_interceptions
                    """);
            sql.execute("""
                    DO $$
                    DECLARE
                        chunk int;
                    BEGIN
                        FOR chunk IN 0..((SELECT count(DISTINCT session_id) FROM aibridge_interceptions) / 5000) LOOP
                            PERFORM aibridge_refresh_sessions(array_agg(session_id), array_agg(initiator_id))
                            FROM (SELECT DISTINCT session_id, initiator_id FROM aibridge_interceptions
                                  ORDER BY session_id, initiator_id OFFSET chunk * 5000 LIMIT 5000) k;
                        END LOOP;
                    END
                    $$
                    """);
            // what autovacuum would long have done for partitions weeks old
            sql.execute("VACUUM ANALYZE");
            sql.execute("CHECKPOINT");
        }
    }

    private static PurgeService purgeService(PGSimpleDataSource dataSource) {
        RetentionConfig config = new RetentionConfig() {
            public Duration period() {
                return RETENTION;
            }

            public Duration interval() {
                return Duration.ofMinutes(10);
            }

            public boolean dryRun() {
                return false;
            }

            public int batchSize() {
                return 10_000;
            }

            public int sessionBatchSize() {
                return 250;
            }

            public Duration lockTimeout() {
                return Duration.ofSeconds(1);
            }

            public int lockAttempts() {
                return 5;
            }
        };
        PartitionRepository partitions = new PartitionRepository();
        LockRetry retry = new LockRetry(config);
        return new PurgeService(dataSource, config, partitions, new ExpiredDayDropper(dataSource, config, partitions, retry),
                new BoundaryDayRepository(), new SessionSummaryRepository(), retry, new PurgeMetrics(new SimpleMeterRegistry()));
    }

    /**
     * A recorder stand-in: one connection, {@link #TRANSACTIONS_PER_SECOND} transactions per second
     * on a fixed schedule (open loop: a slow transaction does not hide the next one's wait), each
     * storing {@link #INTERCEPTIONS_PER_TRANSACTION} interceptions with their children and refreshing
     * their sessions, as {@link RecorderStyleWriter} does.
     */
    private static final class Writer {
        private static final AtomicInteger NUMBER = new AtomicInteger();
        private final Connection connection;
        private final RecorderStyleWriter recorder;
        private final List<long[]> samples = Collections.synchronizedList(new ArrayList<>());
        private final List<Exception> errors = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private final UUID initiator = UUID.randomUUID();

        Writer(Database database) throws SQLException {
            connection = database.connect();
            Connection kept = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, args) -> method.getName().equals("close") ? null : method.invoke(connection, args));
            recorder = new RecorderStyleWriter(() -> kept);
            thread = new Thread(this::run, "benchmark-recorder-" + NUMBER.incrementAndGet());
        }

        void start() {
            thread.start();
        }

        private void run() {
            long period = TimeUnit.SECONDS.toNanos(1) / TRANSACTIONS_PER_SECOND;
            long next = System.nanoTime();
            for (int n = 0; !stop.get(); n++) {
                long now = System.nanoTime();
                if (now < next) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(next - now);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                long scheduled = next;
                next += period;
                List<TestInterception> batch = new ArrayList<>();
                for (int i = 0; i < INTERCEPTIONS_PER_TRANSACTION; i++) {
                    int sequence = n * INTERCEPTIONS_PER_TRANSACTION + i;
                    batch.add(TestInterception.startedAt(Instant.now(), initiator).inSession(thread.getName() + "-" + sequence / 20)
                            .withChildren(2, 1, true));
                }
                try {
                    recorder.write(batch);
                    // latency from the scheduled start: includes any wait behind an earlier slow write
                    samples.add(new long[]{scheduled, System.nanoTime() - scheduled});
                } catch (SQLException e) {
                    errors.add(e);
                }
            }
        }

        void stop() throws InterruptedException, SQLException {
            stop.set(true);
            thread.join();
            connection.close();
        }

        List<Long> latencies(long fromNanos, long toNanos) {
            synchronized (samples) {
                return samples.stream().filter(sample -> sample[0] >= fromNanos && sample[0] < toNanos)
                        .map(sample -> sample[1]).sorted().toList();
            }
        }

        List<Exception> errors() {
            return errors;
        }
    }

    private static String server(Database database) throws SQLException {
        try (Connection connection = database.connect(); Statement sql = connection.createStatement();
             var row = sql.executeQuery("SELECT current_setting('server_version'), current_setting('shared_buffers'), "
                     + "current_setting('synchronous_commit'), current_setting('fsync')")) {
            row.next();
            return "PostgreSQL " + row.getString(1) + ", shared_buffers=" + row.getString(2) + ", synchronous_commit="
                    + row.getString(3) + ", fsync=" + row.getString(4);
        }
    }

    private static void print(String server, Duration seeding, PurgeReport dryRun, PurgeReport report, List<Long> before, List<Long> during,
                              List<Long> after, List<Exception> errors) {
        StringBuilder table = new StringBuilder("\n");
        table.append(String.format(Locale.ROOT, "Retention purge benchmark: %,d interceptions over 90 days, retention 60d; "
                        + "recorder: %d writers, each %d transactions/s of %d interceptions%n",
                INTERCEPTIONS, WRITERS, TRANSACTIONS_PER_SECOND, INTERCEPTIONS_PER_TRANSACTION));
        table.append(server).append(String.format("%n"));
        table.append(String.format(Locale.ROOT, "| %-44s | %18s |%n", "what", "value"));
        table.append(String.format(Locale.ROOT, "|%s|%s|%n", "-".repeat(46), "-".repeat(20)));
        row(table, "seeding (not part of the purge)", seconds(seeding));
        row(table, "dry run (count only)", seconds(dryRun.took()));
        row(table, "purge: outcome", report.outcome().toString());
        row(table, "purge: days dropped", String.valueOf(report.daysDropped().size()));
        row(table, "purge: partitions dropped", String.valueOf(report.totalPartitionsDropped()));
        for (PartitionedTable t : PartitionedTable.values()) {
            row(table, "purge: rows " + t.tableName(), String.format(Locale.ROOT, "%,d", report.rows(t)));
        }
        row(table, "purge: boundary-day interceptions deleted",
                String.format(Locale.ROOT, "%,d", report.rowsDeletedOnBoundaryDay().getOrDefault(PartitionedTable.INTERCEPTIONS, 0L)));
        row(table, "purge: sessions removed / refreshed", report.sessionsRemoved() + " / " + report.sessionsRefreshed());
        row(table, "purge: duration", seconds(report.took()));
        row(table, "  of which dropping whole days", seconds(report.daysTook()));
        row(table, "  of which the boundary day", seconds(report.boundaryDayTook()));
        row(table, "  of which session summaries", seconds(report.sessionsTook()));
        table.append(String.format(Locale.ROOT, "%n| %-22s | %12s | %12s | %8s | %12s |%n", "recorder transaction", "before",
                "during purge", "change", "after"));
        table.append(String.format(Locale.ROOT, "|%s|%s|%s|%s|%s|%n", "-".repeat(24), "-".repeat(14), "-".repeat(14), "-".repeat(10),
                "-".repeat(14)));
        latencyRow(table, "transactions", before.size(), during.size(), after.size());
        latencyRow(table, "mean (ms)", mean(before), mean(during), mean(after));
        latencyRow(table, "p50 (ms)", percentile(before, 50), percentile(during, 50), percentile(after, 50));
        latencyRow(table, "p95 (ms)", percentile(before, 95), percentile(during, 95), percentile(after, 95));
        latencyRow(table, "p99 (ms)", percentile(before, 99), percentile(during, 99), percentile(after, 99));
        latencyRow(table, "max (ms)", percentile(before, 100), percentile(during, 100), percentile(after, 100));
        table.append(String.format(Locale.ROOT, "recorder write errors: %d%n", errors.size()));
        System.out.println(table);
        report.leftForNextRun().forEach(left -> System.out.println("left for the next run: " + left));
        errors.stream().limit(3).forEach(error -> System.out.println("write error: " + error));
    }

    private static void row(StringBuilder table, String what, String value) {
        table.append(String.format(Locale.ROOT, "| %-44s | %18s |%n", what, value));
    }

    private static void latencyRow(StringBuilder table, String what, double before, double during, double after) {
        String change = before == 0 ? "" : String.format(Locale.ROOT, "%+.1f %%", (during - before) / before * 100);
        table.append(String.format(Locale.ROOT, "| %-22s | %12.2f | %12.2f | %8s | %12.2f |%n", what, before, during, change, after));
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.2f s", duration.toNanos() / 1e9);
    }

    private static double mean(List<Long> sorted) {
        return sorted.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
    }

    private static double percentile(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
    }
}
