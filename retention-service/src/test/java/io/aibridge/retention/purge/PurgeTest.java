package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.aibridge.retention.testdata.NinetyDaysOfData.BOUNDARY_DAY;
import static io.aibridge.retention.testdata.NinetyDaysOfData.CUTOFF;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RETENTION;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RUN_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * One purge over 90 days of data with a 60-day retention, against a real PostgreSQL. Writing 90
 * days of partitions takes seconds, so the class writes them once: the checks that must leave the
 * data untouched (retention 0, dry run) run first, then one purge, whose outcome the later tests
 * check from every side.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PurgeTest {

    @Inject
    PurgeService purge;
    @Inject
    DataSource dataSource;
    @Inject
    MeterRegistry registry;
    @Inject
    RetentionConfig config;
    @Inject
    PartitionRepository partitions;

    private DatabaseState database;
    private NinetyDaysOfData data;
    private Map<PartitionedTable, Long> rowsBefore;
    private Map<LocalDate, Integer> daysBefore;
    private Map<String, Map<String, Object>> sessionsBefore;
    private PurgeReport dryRun;
    private PurgeReport purged;
    private final Map<String, Double> metricsBefore = new HashMap<>();

    @BeforeAll
    void writeNinetyDays() throws Exception {
        RecorderStyleWriter writer = new RecorderStyleWriter(dataSource::getConnection);
        database = new DatabaseState(dataSource::getConnection);
        writer.reset();
        data = new NinetyDaysOfData();
        data.writeWith(writer);
        rowsBefore = database.rowsPerTable();
        daysBefore = database.dayPartitions();
        sessionsBefore = database.sessions();
    }

    @Test
    @Order(1)
    void retentionZeroKeepsEverything() throws Exception {
        PurgeReport report = purge.purge(RUN_START, Duration.ZERO, false);

        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.DISABLED);
        assertThat(report.totalRows()).isZero();
        assertThat(database.rowsPerTable()).isEqualTo(rowsBefore);
        assertThat(database.dayPartitions()).isEqualTo(daysBefore);
        assertThat(database.sessions()).isEqualTo(sessionsBefore);
        assertThat(database.interceptionIds()).hasSize(data.all().size());
        assertThat(horizon()).isNull();
    }

    @Test
    @Order(2)
    void dryRunReportsWhatWouldGoAndDeletesNothing() throws Exception {
        dryRun = purge.purge(RUN_START, RETENTION, true);

        assertThat(dryRun.dryRun()).isTrue();
        assertThat(dryRun.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(database.rowsPerTable()).isEqualTo(rowsBefore);
        assertThat(database.dayPartitions()).isEqualTo(daysBefore);
        assertThat(database.sessions()).isEqualTo(sessionsBefore);
        assertThat(dryRun.daysDropped()).isEqualTo(data.expiredDays());
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(dryRun.rows(table)).as("%s rows that would go", table).isEqualTo(data.rows(table, true));
            assertThat(dryRun.partitionsDropped().get(table)).as("%s partitions that would go", table)
                    .isEqualTo(data.expiredDays().size());
        }
        assertThat(dryRun.sessionsRemoved()).isEqualTo(data.sessionsEntirelyBeforeCutoff().size());
        assertThat(dryRun.sessionsRefreshed()).isEqualTo(data.sessionsAcrossCutoff().size());
        assertThat(dryRun.summary()).startsWith("Retention dry run (nothing deleted)");
        assertThat(horizon()).as("a dry run leaves no retention horizon").isNull();
        assertThat(registry.get("aibridge.dbpurge.dry.run.records").tag("record_type", "aibridge_interceptions").gauge().value())
                .isEqualTo(data.rows(PartitionedTable.INTERCEPTIONS, true));
    }

    @Test
    @Order(3)
    void removesExactlyTheInterceptionsThatStartedBeforeTheCutoffWithAllTheirChildren() throws Exception {
        PurgeReport report = purged();

        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(report.cutoff()).isEqualTo(CUTOFF);
        assertThat(database.interceptionIds())
                .containsExactlyInAnyOrderElementsOf(data.youngerThanCutoff().stream().map(TestInterception::id).toList());
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rowsStartedBefore(table, CUTOFF)).as("%s rows before the cutoff", table).isZero();
            assertThat(database.rows(table)).as("%s rows kept", table).isEqualTo(data.rows(table, false));
            assertThat(report.rows(table)).as("%s rows reported", table).isEqualTo(data.rows(table, true));
        }
    }

    @Test
    @Order(4)
    void comparesTheStartOfAnInterceptionNeverItsEnd() throws Exception {
        purged();

        Set<UUID> left = database.interceptionIds();
        assertThat(data.endedAfterCutoff.endedAt()).isAfter(CUTOFF);
        assertThat(left).doesNotContain(data.endedAfterCutoff.id(), data.inFlightOld.id(), data.startNotStoredOld.id());
        assertThat(data.spanning.get(3).startedAt()).isEqualTo(CUTOFF.plus(Duration.ofMinutes(1)));
        assertThat(left).contains(data.inFlightYoung.id(), data.spanning.get(3).id());
    }

    @Test
    @Order(5)
    void dropsWholeDaysAndDeletesOnlyTheBoundaryDayRowByRow() throws Exception {
        PurgeReport report = purged();

        assertThat(data.expiredDays()).hasSize(30).contains(data.firstDay(), BOUNDARY_DAY.minusDays(1));
        assertThat(report.daysDropped()).isEqualTo(data.expiredDays());
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(report.partitionsDropped().get(table)).as("%s partitions dropped", table).isEqualTo(30);
            assertThat(report.rowsDeletedOnBoundaryDay().get(table)).as("%s rows deleted on the boundary day", table)
                    .isEqualTo(data.boundaryDayRowsBeforeCutoff(table));
        }
        assertThat(report.boundaryDay()).isEqualTo(BOUNDARY_DAY);
        // the recorder refuses to create these days again: the horizon is the newest day dropped
        assertThat(horizon()).isEqualTo(BOUNDARY_DAY.minusDays(1));
        assertThat(database.dayPartitions().keySet()).doesNotContainAnyElementsOf(data.expiredDays())
                .contains(BOUNDARY_DAY).hasSize(daysBefore.size() - 30);
        assertThat(database.dayPartitions().values()).allMatch(tables -> tables == 5);
        assertThat(database.strayPartitionTables()).isEmpty();
        // the boundary day keeps what started at or after the cutoff
        assertThat(database.interceptionIds()).contains(data.spanning.get(3).id(), data.spanning.get(4).id(), data.threadStep.id());
        assertThat(database.rows(PartitionedTable.TOKEN_USAGES)).isEqualTo(data.rows(PartitionedTable.TOKEN_USAGES, false));
    }

    @Test
    @Order(5)
    void pausesAfterItsStatementsToLeaveTheDatabaseToTheRecorder() throws Exception {
        PurgeReport report = purged();

        // AIBRIDGE_RETENTION_DUTY_CYCLE's default, 50: about as long paused as working, each pause at most a second
        Duration working = report.took().minus(report.paused());
        assertThat(report.paused()).isPositive().isLessThan(report.took());
        assertThat(report.paused().toNanos()).isBetween(working.toNanos() / 10, working.toNanos());
        assertThat(report.summary()).contains(", of which ", " s paused to leave the database to the recorder");
    }

    @Test
    @Order(6)
    void removesTheSummariesOfSessionsWithNothingLeftAndRecomputesPartlyPurgedOnes() throws Exception {
        PurgeReport report = purged();

        Map<String, Object> spanning = database.session("spanning-boundary", data.alice);
        assertThat(spanning).containsEntry("interceptions", 3)
                .containsEntry("started_at", CUTOFF.plus(Duration.ofMinutes(1)))
                .containsEntry("input_tokens", data.spanning.subList(3, 6).stream().mapToLong(TestInterception::inputTokens).sum());
        assertThat(database.session("entirely-old", data.bob)).isNull();
        assertThat(database.session("shared", data.alice)).isNull();
        assertThat(database.session("shared", data.bob)).containsEntry("interceptions", 2);
        assertThat(database.session(data.endedAfterCutoff.sessionId(), data.carol)).isNull();
        assertThat(database.session("daily-60", data.alice)).isNull();
        assertThat(database.session("daily-59", data.alice)).containsEntry("interceptions", 2);
        // the thread lost its root: one step is left, and it is not a root itself
        assertThat(database.session(data.threadRoot.id().toString(), data.alice))
                .containsEntry("interceptions", 1).containsEntry("threads", 0).containsEntry("input_tokens", 4242L);

        assertThat(data.sessionsAcrossCutoff()).contains("spanning-boundary/" + data.alice, data.threadRoot.id() + "/" + data.alice);
        assertThat(report.sessionsRefreshed()).isEqualTo(data.sessionsAcrossCutoff().size());
        assertThat(report.sessionsRemoved()).isEqualTo(data.sessionsEntirelyBeforeCutoff().size());
        assertThat(database.sessions().keySet()).doesNotContainAnyElementsOf(data.sessionsEntirelyBeforeCutoff())
                .containsAll(data.sessionsAcrossCutoff());
        // every summary is exactly what the single definition computes from the rows that are left
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());
    }

    @Test
    @Order(7)
    void neverTouchesUsersOrApiKeys() throws Exception {
        purged();

        assertThat(database.users()).isEqualTo(3);
        assertThat(database.apiKeys()).isEqualTo(3);
    }

    @Test
    @Order(8)
    void purgesWhatTheDryRunReported() throws Exception {
        PurgeReport real = purged();

        assertThat(real.daysDropped()).isEqualTo(dryRun.daysDropped());
        assertThat(real.partitionsDropped()).isEqualTo(dryRun.partitionsDropped());
        assertThat(real.rowsInDroppedPartitions()).isEqualTo(dryRun.rowsInDroppedPartitions());
        assertThat(real.rowsDeletedOnBoundaryDay()).isEqualTo(dryRun.rowsDeletedOnBoundaryDay());
        assertThat(real.sessionsRemoved()).isEqualTo(dryRun.sessionsRemoved());
        assertThat(real.sessionsRefreshed()).isEqualTo(dryRun.sessionsRefreshed());
    }

    @Test
    @Order(9)
    void countsRowsPartitionsAndRunsInMetrics() {
        PurgeReport report = purged();

        assertThat(counter("aibridge.dbpurge.records.purged", "aibridge_interceptions") - metricsBefore.get("interceptions"))
                .isEqualTo(data.rows(PartitionedTable.INTERCEPTIONS, true));
        assertThat(counter("aibridge.dbpurge.records.purged", "aibridge_model_thoughts") - metricsBefore.get("thoughts"))
                .isEqualTo(data.rows(PartitionedTable.MODEL_THOUGHTS, true));
        assertThat(counter("aibridge.dbpurge.partitions.dropped", "aibridge_tool_usages") - metricsBefore.get("partitions"))
                .isEqualTo(report.daysDropped().size());
        assertThat(registry.get("aibridge.dbpurge.iteration.duration").tag("success", "true").timer().count())
                .isEqualTo(metricsBefore.get("successes").longValue() + 1);
        assertThat(registry.get("aibridge.dbpurge.paused").counter().count() - metricsBefore.get("paused"))
                .isPositive().isCloseTo(report.paused().toNanos() / 1e9, within(1e-6));
        assertThat(registry.get("aibridge.dbpurge.last.success.timestamp").gauge().value())
                .isGreaterThanOrEqualTo(RUN_START.getEpochSecond());
    }

    @Test
    @Order(10)
    void aSecondRunFindsNothingLeftToPurge() throws Exception {
        purged();
        Map<String, Map<String, Object>> sessions = database.sessions();

        PurgeReport second = purge.purge(RUN_START, RETENTION, false);

        assertThat(second.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(second.totalRows()).isZero();
        assertThat(second.totalPartitionsDropped()).isZero();
        assertThat(second.sessionsRemoved() + second.sessionsRefreshed()).isZero();
        assertThat(database.sessions()).isEqualTo(sessions);
        assertThat(horizon()).isEqualTo(BOUNDARY_DAY.minusDays(1));
        // Each run sets the horizon to its own last expired day, lower too: after the retention
        // period was raised, the days the new period keeps must take late events again.
        purge.purge(RUN_START, RETENTION.plusDays(40), false);
        assertThat(horizon()).isEqualTo(BOUNDARY_DAY.minusDays(41));
        assertThat(database.sessions()).as("a longer retention purges nothing more").isEqualTo(sessions);
        purge.purge(RUN_START, RETENTION, false);
        assertThat(horizon()).isEqualTo(BOUNDARY_DAY.minusDays(1));
    }

    @Test
    @Order(11)
    void purgeConnectionsStayOnOneCoreAndGoBackToThePoolAsTheyCame() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Map<String, String> server = settings(connection);
            PurgeSession.prepare(connection, config);
            Map<String, String> purging = settings(connection);
            assertThat(purging).containsEntry("max_parallel_workers_per_gather", "0").containsEntry("jit", "off")
                    .containsEntry("synchronous_commit", "off").containsEntry("application_name", "aibridge-retention");
            assertThat(purging.get("lock_timeout")).isNotEqualTo(server.get("lock_timeout"));
            PurgeSession.release(connection, false);
            assertThat(settings(connection)).isEqualTo(server);
        }
    }

    @Test
    @Order(12)
    void listsOnlyTablesNamedExactlyLikeADayOfTheFiveTables() throws SQLException {
        List<String> lookAlikes = List.of("aibridge_interceptions_p2020010", "aibridge_interceptions_p20200101_copy",
                "aibridge_interceptionsxp20200101", "aibridge_interceptions_p20201399", "aibridge_sessions_p20200101",
                "aibridge_interceptions_archive");
        String leftDetached = PartitionedTable.TOKEN_USAGES.partitionName(LocalDate.of(2020, 1, 1));
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String name : lookAlikes) {
                statement.execute("CREATE TABLE " + name + " (id int)");
            }
            statement.execute("CREATE TABLE " + leftDetached + " (LIKE aibridge_token_usages)");
            try {
                List<DayPartition> found = partitions.list(connection);

                assertThat(found).filteredOn(partition -> partition.state() != DayPartition.State.ATTACHED)
                        .as("the look-alikes are no partitions, not even detached ones")
                        .containsExactly(new DayPartition(PartitionedTable.TOKEN_USAGES, LocalDate.of(2020, 1, 1), DayPartition.State.DETACHED));
                assertThat(found).filteredOn(partition -> partition.state() == DayPartition.State.ATTACHED)
                        .hasSize(database.dayPartitions().values().stream().mapToInt(Integer::intValue).sum())
                        .extracting(DayPartition::name).contains(PartitionedTable.INTERCEPTIONS.partitionName(BOUNDARY_DAY));
            } finally {
                for (String name : lookAlikes) {
                    statement.execute("DROP TABLE " + name);
                }
                statement.execute("DROP TABLE " + leftDetached);
            }
        }
    }

    private static Map<String, String> settings(Connection connection) throws SQLException {
        Map<String, String> settings = new HashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
                "SELECT name, setting FROM pg_settings WHERE name IN ('max_parallel_workers_per_gather', 'jit', "
                        + "'synchronous_commit', 'application_name', 'lock_timeout')")) {
            while (rows.next()) {
                settings.put(rows.getString(1), rows.getString(2));
            }
        }
        assertThat(settings).hasSize(5);
        return settings;
    }

    /** The retention horizon (schema V49), null when retention has left none. */
    private LocalDate horizon() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT purged_through FROM aibridge_retention_horizon")) {
            return row.next() ? row.getObject(1, LocalDate.class) : null;
        }
    }

    /** The one purge of this class, run by whichever test needs it first. */
    private PurgeReport purged() {
        if (purged == null) {
            metricsBefore.put("interceptions", counter("aibridge.dbpurge.records.purged", "aibridge_interceptions"));
            metricsBefore.put("thoughts", counter("aibridge.dbpurge.records.purged", "aibridge_model_thoughts"));
            metricsBefore.put("partitions", counter("aibridge.dbpurge.partitions.dropped", "aibridge_tool_usages"));
            metricsBefore.put("successes", (double) registry.get("aibridge.dbpurge.iteration.duration")
                    .tag("success", "true").timer().count());
            metricsBefore.put("paused", registry.get("aibridge.dbpurge.paused").counter().count());
            try {
                purged = purge.purge(RUN_START, RETENTION, false);
            } catch (Exception e) {
                throw new AssertionError("the purge failed", e);
            }
        }
        return purged;
    }

    private double counter(String name, String table) {
        return registry.get(name).tag("record_type", table).counter().count();
    }
}
