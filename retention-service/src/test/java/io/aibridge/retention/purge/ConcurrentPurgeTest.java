package io.aibridge.retention.purge;

import io.aibridge.retention.testdata.DatabaseState;
import io.aibridge.retention.testdata.NinetyDaysOfData;
import io.aibridge.retention.testdata.RecorderStyleWriter;
import io.aibridge.retention.testdata.TestInterception;
import io.aibridge.testing.PostgresTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static io.aibridge.retention.testdata.NinetyDaysOfData.CUTOFF;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RETENTION;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RUN_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Several replicas, and the recorder writing, while a purge runs. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class ConcurrentPurgeTest {

    /** Only a guard against a hang; nothing here is expected to come near it. */
    private static final long HANG_GUARD_SECONDS = 180;

    @Inject
    PurgeService purge;
    @Inject
    DataSource dataSource;
    @Inject
    MeterRegistry registry;

    private RecorderStyleWriter writer;
    private DatabaseState database;

    @BeforeEach
    void cleanDatabase() throws Exception {
        writer = new RecorderStyleWriter(dataSource::getConnection);
        database = new DatabaseState(dataSource::getConnection);
        writer.reset();
    }

    @Test
    void skipsWithoutWaitingWhileAnotherReplicaHoldsThePurgeLock() throws Exception {
        UUID alice = UUID.randomUUID();
        TestInterception old = TestInterception.startedAt(CUTOFF.minus(Duration.ofDays(3)), alice);
        TestInterception young = TestInterception.startedAt(CUTOFF.plus(Duration.ofDays(3)), alice);
        writer.write(List.of(old, young));
        double skippedBefore = registry.get("aibridge.dbpurge.runs.skipped").counter().count();

        PurgeReport skipped;
        try (Connection otherReplica = dataSource.getConnection(); Statement statement = otherReplica.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(hashtext('aibridge'), hashtext('retention-purge'))");

            skipped = purge.purge(RUN_START, RETENTION, false);

            statement.execute("SELECT pg_advisory_unlock(hashtext('aibridge'), hashtext('retention-purge'))");
        }
        assertThat(skipped.outcome()).isEqualTo(PurgeReport.Outcome.LOCK_HELD);
        assertThat(database.interceptionIds()).containsExactlyInAnyOrder(old.id(), young.id());
        assertThat(registry.get("aibridge.dbpurge.runs.skipped").counter().count()).isEqualTo(skippedBefore + 1);

        PurgeReport next = purge.purge(RUN_START, RETENTION, false);

        assertThat(next.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(database.interceptionIds()).containsExactly(young.id());
    }

    @Test
    void replicasPurgingAtOnceNeitherDeleteTwiceNorDeadlock() throws Exception {
        NinetyDaysOfData data = new NinetyDaysOfData();
        data.writeWith(writer);
        CyclicBarrier together = new CyclicBarrier(2);
        Callable<PurgeReport> replica = () -> {
            together.await();
            return purge.purge(RUN_START, RETENTION, false);
        };
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        List<PurgeReport> reports = new ArrayList<>();
        try {
            for (Future<PurgeReport> report : replicas.invokeAll(List.of(replica, replica), HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
                reports.add(report.get());
            }
        } finally {
            replicas.shutdownNow();
        }

        assertThat(reports).extracting(PurgeReport::outcome)
                .allMatch(outcome -> outcome == PurgeReport.Outcome.COMPLETE || outcome == PurgeReport.Outcome.LOCK_HELD)
                .contains(PurgeReport.Outcome.COMPLETE);
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(reports.get(0).rows(table) + reports.get(1).rows(table)).as("%s rows deleted by both", table)
                    .isEqualTo(data.rows(table, true));
            assertThat(database.rows(table)).as("%s rows kept", table).isEqualTo(data.rows(table, false));
        }
        assertThat(reports.get(0).totalPartitionsDropped() + reports.get(1).totalPartitionsDropped())
                .isEqualTo(5 * data.expiredDays().size());
        assertThat(database.strayPartitionTables()).isEmpty();
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());
    }

    @Test
    void theRecorderKeepsWritingWhileAPurgeRuns() throws Exception {
        NinetyDaysOfData data = new NinetyDaysOfData();
        data.writeWith(writer);
        List<TestInterception> written = new CopyOnWriteArrayList<>();
        List<Instant> writeTimes = new CopyOnWriteArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread recorder = new Thread(() -> {
            for (int n = 0; !stop.get(); n++) {
                TestInterception next = liveInterception(n, data);
                try {
                    writer.write(List.of(next));
                    written.add(next);
                    writeTimes.add(Instant.now());
                } catch (Exception e) {
                    errors.add(e);
                }
            }
        }, "recorder");
        recorder.start();
        PurgeReport report;
        Instant purgeStarted;
        Instant purgeEnded;
        try {
            await().atMost(Duration.ofSeconds(HANG_GUARD_SECONDS)).until(() -> written.size() >= 20);
            purgeStarted = Instant.now();
            report = purge.purge(RUN_START, RETENTION, false);
            purgeEnded = Instant.now();
            int afterPurge = written.size();
            await().atMost(Duration.ofSeconds(HANG_GUARD_SECONDS)).until(() -> written.size() >= afterPurge + 20 || !errors.isEmpty());
        } finally {
            stop.set(true);
            recorder.join(TimeUnit.SECONDS.toMillis(HANG_GUARD_SECONDS));
        }

        assertThat(errors).isEmpty();
        assertThat(writeTimes).as("writes completed while the purge ran")
                .anyMatch(time -> time.isAfter(purgeStarted) && time.isBefore(purgeEnded));
        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        Set<UUID> left = database.interceptionIds();
        assertThat(left).containsAll(written.stream().map(TestInterception::id).collect(Collectors.toSet()));
        for (PartitionedTable table : PartitionedTable.values()) {
            long writtenRows = written.stream().mapToLong(interception -> interception.rows(table)).sum();
            assertThat(database.rows(table)).as("%s rows", table).isEqualTo(data.rows(table, false) + writtenRows);
            assertThat(report.rows(table)).as("%s rows purged", table).isEqualTo(data.rows(table, true));
        }
        Map<String, Map<String, Object>> sessions = database.sessions();
        assertThat(sessions).isEqualTo(database.sessionsRecomputedFromRows());
        assertThat(sessions.get("spanning-boundary/" + data.alice).get("interceptions"))
                .isEqualTo(3 + (int) written.stream().filter(i -> "spanning-boundary".equals(i.clientSessionId())).count());
        assertThat(countPartitionsAfter(RUN_START)).isPositive();
    }

    /**
     * What the recorder stores while the purge runs: mostly today, some on the boundary day just
     * after the cutoff, some into a session the purge is correcting, and every tenth on a new day
     * (so partitions get created during the purge).
     */
    private static TestInterception liveInterception(int n, NinetyDaysOfData data) {
        if (n % 10 == 9) {
            return TestInterception.startedAt(RUN_START.plus(Duration.ofDays(1 + n / 10)), data.bob).inSession("tomorrow-" + n);
        }
        if (n % 5 == 0) {
            return TestInterception.startedAt(CUTOFF.plus(Duration.ofMinutes(5)).plusSeconds(n), data.alice).inSession("spanning-boundary");
        }
        if (n % 5 == 1) {
            return TestInterception.startedAt(CUTOFF.plusSeconds(n), data.carol);
        }
        return TestInterception.startedAt(RUN_START.minus(Duration.ofHours(2)).plusSeconds(n), data.alice).inSession("live-" + n % 7);
    }

    private int countPartitionsAfter(Instant instant) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT count(*) FROM aibridge_day_partitions WHERE day > '"
                     + instant.toString().substring(0, 10) + "'")) {
            row.next();
            return row.getInt(1);
        }
    }
}
