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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static io.aibridge.retention.testdata.NinetyDaysOfData.BOUNDARY_DAY;
import static io.aibridge.retention.testdata.NinetyDaysOfData.CUTOFF;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RETENTION;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RUN_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** A purge finishes what an interrupted one left behind, and never waits long behind other sessions' locks. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class InterruptedPurgeTest {

    @Inject
    PurgeService purge;
    @Inject
    DataSource dataSource;
    @Inject
    MeterRegistry registry;

    private DatabaseState database;
    private NinetyDaysOfData data;

    @BeforeEach
    void writeNinetyDays() throws Exception {
        RecorderStyleWriter writer = new RecorderStyleWriter(dataSource::getConnection);
        database = new DatabaseState(dataSource::getConnection);
        writer.reset();
        data = new NinetyDaysOfData();
        data.writeWith(writer);
    }

    @Test
    void picksUpEverythingAnInterruptedRunLeftBehind() throws Exception {
        LocalDate pendingDay = data.firstDay().plusDays(3);
        LocalDate detachedDay = data.firstDay().plusDays(5);
        LocalDate droppedDay = data.firstDay().plusDays(7);
        // stopped in the middle of DETACH ... CONCURRENTLY: the partition is left "detach pending"
        leavePending(PartitionedTable.INTERCEPTIONS, pendingDay);
        // stopped between DETACH and DROP: a detached table is left
        execute("ALTER TABLE aibridge_tool_usages DETACH PARTITION " + PartitionedTable.TOOL_USAGES.partitionName(detachedDay));
        // stopped after dropping a day, before correcting the summaries: they still count that day
        for (PartitionedTable table : PartitionedTable.values()) {
            execute("DROP TABLE " + table.partitionName(droppedDay));
        }
        assertThat(database.strayPartitionTables()).containsExactlyInAnyOrder(
                PartitionedTable.INTERCEPTIONS.partitionName(pendingDay), PartitionedTable.TOOL_USAGES.partitionName(detachedDay));
        // the stray tables above are one of each kind: still attached but detach pending, and detached
        assertThat(detachPending(PartitionedTable.INTERCEPTIONS.partitionName(pendingDay))).as("pending detach").contains(true);
        assertThat(detachPending(PartitionedTable.TOOL_USAGES.partitionName(detachedDay))).as("detached").isEmpty();
        assertThat(database.sessions()).isNotEqualTo(database.sessionsRecomputedFromRows());

        PurgeReport report = purge.purge(RUN_START, RETENTION, false);

        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(report.daysDropped()).contains(pendingDay, detachedDay).doesNotContain(droppedDay);
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(report.rows(table)).as("%s rows reported", table)
                    .isEqualTo(data.rows(table, true) - data.rowsOnDay(table, droppedDay));
            assertThat(database.rowsStartedBefore(table, CUTOFF)).as("%s rows before the cutoff", table).isZero();
            assertThat(database.rows(table)).as("%s rows kept", table).isEqualTo(data.rows(table, false));
        }
        assertThat(database.strayPartitionTables()).isEmpty();
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());
        assertThat(database.sessions().keySet()).doesNotContainAnyElementsOf(data.sessionsEntirelyBeforeCutoff());
    }

    @Test
    void putsBackWhatAnInterruptedRunLeftDetachedOnceTheRetentionKeepsItsDayAgain() throws Exception {
        // a run with a shorter retention was stopped after its detaches (the retention was then raised
        // back): the days are inside the retention period, their rows hidden
        LocalDate pendingDay = BOUNDARY_DAY.plusDays(3);
        LocalDate detachedDay = BOUNDARY_DAY.plusDays(5);
        leavePending(PartitionedTable.INTERCEPTIONS, pendingDay);
        for (PartitionedTable table : PartitionedTable.values()) {
            execute("ALTER TABLE " + table.tableName() + " DETACH PARTITION " + table.partitionName(detachedDay));
        }
        assertThat(database.rows(PartitionedTable.INTERCEPTIONS)).isLessThan(data.rows(PartitionedTable.INTERCEPTIONS, false)
                + data.rows(PartitionedTable.INTERCEPTIONS, true));
        List<String> putBack = List.of(PartitionedTable.INTERCEPTIONS.partitionName(pendingDay),
                PartitionedTable.MODEL_THOUGHTS.partitionName(detachedDay), PartitionedTable.TOOL_USAGES.partitionName(detachedDay),
                PartitionedTable.USER_PROMPTS.partitionName(detachedDay), PartitionedTable.TOKEN_USAGES.partitionName(detachedDay),
                PartitionedTable.INTERCEPTIONS.partitionName(detachedDay));
        double reattachedBefore = registry.get("aibridge.dbpurge.partitions.reattached").counters().stream()
                .mapToDouble(counter -> counter.count()).sum();

        PurgeReport dryRun = purge.purge(RUN_START, RETENTION, true);

        assertThat(dryRun.partitionsReattached()).extracting(DayPartition::name).containsExactlyElementsOf(putBack);
        assertThat(dryRun.summary()).contains("would re-attach 6 partitions left detached by an interrupted purge");
        assertThat(database.strayPartitionTables()).hasSize(6);

        PurgeReport report = purge.purge(RUN_START, RETENTION, false);

        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        // a day's children before its interceptions: readers never see an interception without them
        assertThat(report.partitionsReattached()).extracting(DayPartition::name).containsExactlyElementsOf(putBack);
        assertThat(report.summary()).contains("re-attached 6 partitions left detached by an interrupted purge, inside the "
                + "retention period: " + String.join(", ", putBack));
        assertThat(report.daysDropped()).isEqualTo(data.expiredDays());
        assertThat(database.strayPartitionTables()).isEmpty();
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rows(table)).as("%s rows kept", table).isEqualTo(data.rows(table, false));
            assertThat(database.rowsStartedBefore(table, CUTOFF)).as("%s rows before the cutoff", table).isZero();
        }
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());
        assertThat(registry.get("aibridge.dbpurge.partitions.reattached").counters().stream()
                .mapToDouble(counter -> counter.count()).sum()).isEqualTo(reattachedBefore + 6);
        assertThat(registry.get("aibridge.dbpurge.partitions.reattached").tag("record_type", "aibridge_interceptions")
                .counter().count()).isGreaterThanOrEqualTo(2);
        // a late event of those days is stored again, where it belongs
        new RecorderStyleWriter(dataSource::getConnection).write(List.of(
                TestInterception.startedAt(detachedDay.atTime(12, 0).toInstant(ZoneOffset.UTC), data.carol),
                TestInterception.startedAt(pendingDay.atTime(12, 0).toInstant(ZoneOffset.UTC), data.carol)));
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rows(table)).as("%s rows with the late events", table).isEqualTo(data.rows(table, false) + 2);
        }

        // the next run finds nothing to put back
        assertThat(purge.purge(RUN_START, RETENTION, false).partitionsReattached()).isEmpty();
    }

    @Test
    void correctsTheSummariesOfDaysAStoppedRunDroppedBeforeTheRetentionWasRaised() throws Exception {
        // a run with a shorter retention set its horizon, dropped a day the retention now keeps again,
        // and was stopped before it corrected that day's session summaries
        LocalDate droppedDay = BOUNDARY_DAY.plusDays(4);
        execute("INSERT INTO aibridge_retention_horizon (id, purged_through) VALUES (true, DATE '" + droppedDay + "')");
        for (PartitionedTable table : PartitionedTable.values()) {
            execute("DROP TABLE " + table.partitionName(droppedDay));
        }
        assertThat(database.sessions()).isNotEqualTo(database.sessionsRecomputedFromRows());

        PurgeReport report = purge.purge(RUN_START, RETENTION, false);

        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rows(table)).as("%s rows kept", table)
                    .isEqualTo(data.rows(table, false) - data.rowsOnDay(table, droppedDay));
        }
        // and the horizon is the one of this run's retention: late events of the dropped day are accepted again
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet horizon = statement.executeQuery("SELECT purged_through FROM aibridge_retention_horizon")) {
            assertThat(horizon.next()).isTrue();
            assertThat(horizon.getObject(1, LocalDate.class)).isEqualTo(BOUNDARY_DAY.minusDays(1));
        }
    }

    @Test
    void leavesDaysBlockedByALongTransactionToTheNextRunInsteadOfWaitingForIt() throws Exception {
        long unsuccessful = registry.get("aibridge.dbpurge.iteration.duration").tag("success", "false").timer().count();
        PurgeReport blocked;
        try (Connection reader = dataSource.getConnection(); Statement statement = reader.createStatement()) {
            // a long report: it holds a lock on every interception partition until it commits, so a
            // concurrent detach cannot complete before it ends
            reader.setAutoCommit(false);
            statement.executeQuery("SELECT count(*) FROM aibridge_interceptions").close();

            blocked = purge.purge(RUN_START, RETENTION, false);

            reader.commit();
        }
        assertThat(blocked.outcome()).isEqualTo(PurgeReport.Outcome.INCOMPLETE);
        assertThat(blocked.leftForNextRun()).singleElement().asString()
                .contains(PartitionedTable.INTERCEPTIONS.partitionName(data.firstDay()))
                .contains(data.expiredDays().size() + " days left in place on all five tables");
        assertThat(blocked.daysDropped()).isEmpty();
        assertThat(registry.get("aibridge.dbpurge.iteration.duration").tag("success", "false").timer().count())
                .isEqualTo(unsuccessful + 1);
        // the boundary day needs no table lock and was purged anyway
        assertThat(blocked.rowsDeletedOnBoundaryDay().get(PartitionedTable.INTERCEPTIONS))
                .isEqualTo(data.boundaryDayRowsBeforeCutoff(PartitionedTable.INTERCEPTIONS));
        assertThat(database.rowsStartedBefore(PartitionedTable.INTERCEPTIONS, BOUNDARY_DAY.atStartOfDay(java.time.ZoneOffset.UTC).toInstant()))
                .isPositive();
        // summaries match what queries can see
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());

        PurgeReport next = purge.purge(RUN_START, RETENTION, false);

        assertThat(next.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(next.daysDropped()).isEqualTo(data.expiredDays());
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rowsStartedBefore(table, CUTOFF)).as("%s rows before the cutoff", table).isZero();
            assertThat(database.rows(table)).as("%s rows kept", table).isEqualTo(data.rows(table, false));
            assertThat(blocked.rows(table) + next.rows(table)).as("%s rows reported by both runs", table)
                    .isEqualTo(data.rows(table, true));
        }
        assertThat(database.strayPartitionTables()).isEmpty();
        assertThat(database.sessions()).isEqualTo(database.sessionsRecomputedFromRows());
    }

    /** What an interrupted DETACH ... CONCURRENTLY leaves: its second transaction was cancelled. */
    private void leavePending(PartitionedTable table, LocalDate day) throws SQLException {
        try (Connection reader = dataSource.getConnection(); Connection detacher = dataSource.getConnection();
             Statement read = reader.createStatement(); Statement detach = detacher.createStatement()) {
            reader.setAutoCommit(false);
            read.executeQuery("SELECT count(*) FROM " + table.tableName()).close();
            detach.execute("SET lock_timeout = '100ms'");
            try {
                detach.execute("ALTER TABLE " + table.tableName() + " DETACH PARTITION " + table.partitionName(day) + " CONCURRENTLY");
                fail("the detach of %s completed; it was to be interrupted by the reader's lock", table.partitionName(day));
            } catch (SQLException expected) {
                assertThat(expected.getSQLState()).isEqualTo("55P03");
            } finally {
                detach.execute("RESET lock_timeout");
                reader.commit();
            }
        }
    }

    /** {@code pg_inherits.inhdetachpending} of a partition; empty when it is attached to nothing. */
    private Optional<Boolean> detachPending(String partition) throws SQLException {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(
                "SELECT i.inhdetachpending FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname = ?")) {
            statement.setString(1, partition);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(row.getBoolean(1)) : Optional.empty();
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
