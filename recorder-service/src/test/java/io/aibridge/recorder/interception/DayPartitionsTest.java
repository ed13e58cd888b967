package io.aibridge.recorder.interception;

import io.aibridge.testing.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The retention horizon goes down when the retention period is raised (30d, then 90d): the days the
 * new period keeps take late events again. A day found expired is refused from memory only for a
 * short while, then checked again; before, it was refused for the life of the process.
 */
class DayPartitionsTest {

    private static Database database;
    private static Connection connection;

    /** The horizon a purge with 30 days of retention left; the 90-day one is 60 days earlier. */
    private static final LocalDate THIRTY_DAY_HORIZON = LocalDate.of(2026, 10, 31);
    private static final LocalDate NINETY_DAY_HORIZON = THIRTY_DAY_HORIZON.minusDays(60);

    private final AtomicLong now = new AtomicLong(Long.MIN_VALUE / 2);
    private final DayPartitions partitions = new DayPartitions(now::get);

    @BeforeAll
    static void startDatabase() throws SQLException {
        database = Database.start().migrate();
        connection = database.connect();
    }

    @AfterAll
    static void stopDatabase() throws SQLException {
        connection.close();
        database.close();
    }

    @Test
    void aDayTheRaisedRetentionKeepsAgainIsCreatedOnceTheRefusalIsCheckedAgain() throws SQLException {
        LocalDate fortyDaysOld = THIRTY_DAY_HORIZON.minusDays(10);
        LocalDate olderThanTheOldHorizon = THIRTY_DAY_HORIZON.minusDays(20);
        horizon(THIRTY_DAY_HORIZON);
        assertThatThrownBy(() -> ensure(fortyDaysOld)).isInstanceOf(DayPartitions.ExpiredDay.class);

        horizon(NINETY_DAY_HORIZON); // what the first run with AIBRIDGE_RETENTION=90d writes
        assertThatThrownBy(() -> ensure(fortyDaysOld)).as("refused from memory for a while").isInstanceOf(DayPartitions.ExpiredDay.class);
        now.addAndGet(TimeUnit.SECONDS.toNanos(DayPartitions.EXPIRED_RECHECK_SECONDS));
        ensure(fortyDaysOld);
        ensure(olderThanTheOldHorizon);
        assertThat(partitionExists(fortyDaysOld)).isTrue();
        assertThat(partitionExists(olderThanTheOldHorizon)).isTrue();

        assertThatThrownBy(() -> ensure(NINETY_DAY_HORIZON)).as("a day the current retention expires is still refused")
                .isInstanceOf(DayPartitions.ExpiredDay.class);
        assertThat(partitionExists(NINETY_DAY_HORIZON)).isFalse();
    }

    private void ensure(LocalDate day) throws SQLException {
        partitions.ensure(connection, new TreeSet<>(java.util.List.of(day)));
    }

    private static void horizon(LocalDate day) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO aibridge_retention_horizon (id, purged_through) VALUES (true, ?)
                ON CONFLICT (id) DO UPDATE SET purged_through = excluded.purged_through""")) {
            statement.setObject(1, day);
            statement.executeUpdate();
        }
    }

    private static boolean partitionExists(LocalDate day) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            statement.setString(1, "aibridge_interceptions_p" + day.toString().replace("-", ""));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        }
    }
}
