package io.aibridge.retention.schedule;

import io.aibridge.testing.Database;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With AIBRIDGE_RETENTION=0 (the test profile's setting) nothing is expired: the start removes the
 * retention horizon an earlier run with a retention period left, so the recorder stores late events
 * of the days that run dropped. Before, the old horizon stayed forever and they were dead-lettered.
 */
@QuarkusTest
@WithTestResource(RetentionZeroClearsTheHorizonTest.PostgresWithAHorizon.class)
class RetentionZeroClearsTheHorizonTest {

    /** A real PostgreSQL with the schema and the horizon of an earlier run, before the service starts. */
    public static class PostgresWithAHorizon extends SeededPostgresTestResource {

        @Override
        protected void seed(Database database) {
            try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO aibridge_retention_horizon (purged_through) VALUES (DATE '2026-09-30')");
            } catch (SQLException e) {
                throw new IllegalStateException("could not write the horizon", e);
            }
        }
    }

    @Inject
    PurgeScheduler scheduler;
    @Inject
    DataSource dataSource;

    @Test
    void theStartRemovesTheHorizonAndSchedulesNoRun() throws SQLException {
        assertThat(scheduler.scheduled()).isFalse();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM aibridge_retention_horizon")) {
            rows.next();
            assertThat(rows.getLong(1)).isZero();
        }
    }
}
