package io.aibridge.retention.purge;

import io.aibridge.retention.testdata.RecorderStyleWriter;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

import static io.aibridge.retention.testdata.NinetyDaysOfData.BOUNDARY_DAY;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RETENTION;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RUN_START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention horizon (schema V49) covers every day entirely before the cutoff, also the days
 * that never had a partition: as it was, it rose only to the newest day a run dropped, so a late
 * event for an expired day without partitions made the recorder create that day, and the next run
 * drop it again. Shares {@link PurgeTest}'s boot and database; each class empties it first.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class HorizonWithoutPartitionsTest {

    @Inject
    PurgeService purge;
    @Inject
    DataSource dataSource;

    @BeforeEach
    @AfterEach
    void empty() throws SQLException {
        new RecorderStyleWriter(dataSource::getConnection).reset();
    }

    @Test
    void aRunOverDaysThatNeverHadPartitionsStillRaisesTheHorizonToTheLastDayBeforeTheCutoff() throws Exception {
        PurgeReport report = purge.purge(RUN_START, RETENTION, false);

        assertThat(report.outcome()).isEqualTo(PurgeReport.Outcome.COMPLETE);
        assertThat(report.totalPartitionsDropped()).isZero();
        assertThat(horizon()).isEqualTo(BOUNDARY_DAY.minusDays(1));
    }

    @Test
    void aRunAfterTheRetentionWasRaisedLowersTheHorizonToItsOwnLastExpiredDay() throws Exception {
        purge.purge(RUN_START, Duration.ofDays(30), false);
        LocalDate thirtyDays = LocalDate.ofInstant(RUN_START.minus(Duration.ofDays(30)), ZoneOffset.UTC).minusDays(1);
        assertThat(horizon()).isEqualTo(thirtyDays);

        // AIBRIDGE_RETENTION raised from 30d to 90d: the days between are kept again, so late events of them
        // (40 days old, or 20 days older than the old horizon) must no longer be refused by the recorder
        purge.purge(RUN_START, Duration.ofDays(90), false);
        LocalDate ninetyDays = LocalDate.ofInstant(RUN_START.minus(Duration.ofDays(90)), ZoneOffset.UTC).minusDays(1);
        assertThat(horizon()).isEqualTo(ninetyDays);
        assertThat(ninetyDays).isBefore(LocalDate.ofInstant(RUN_START.minus(Duration.ofDays(40)), ZoneOffset.UTC))
                .isBefore(thirtyDays.minusDays(20));

        // a clock that ran far ahead left a horizon in the future; the next run with the right clock corrects it
        purge.purge(RUN_START.plus(Duration.ofDays(365)), Duration.ofDays(90), false);
        purge.purge(RUN_START, Duration.ofDays(90), false);
        assertThat(horizon()).isEqualTo(ninetyDays);
    }

    @Test
    void aDryRunLeavesNoHorizon() throws Exception {
        purge.purge(RUN_START, RETENTION, true);

        assertThat(horizon()).isNull();
    }

    private LocalDate horizon() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT purged_through FROM aibridge_retention_horizon")) {
            return row.next() ? row.getObject(1, LocalDate.class) : null;
        }
    }
}
