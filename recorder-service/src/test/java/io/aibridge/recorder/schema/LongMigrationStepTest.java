package io.aibridge.recorder.schema;

import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A migration statement that keeps the server silent longer than the datasource's socket timeout
 * (an index built on a large table) completes: the datasource's timeout, 60 s as shipped and 2 s
 * here, cut the migration's connection before, and the recorder never started. The service's own
 * connections keep the timeout.
 */
@QuarkusTest
@TestProfile(LongMigrationStepTest.ShortSocketTimeout.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class LongMigrationStepTest {

    private static final int SOCKET_TIMEOUT_SECONDS = 2;
    private static final int STEP_SECONDS = SOCKET_TIMEOUT_SECONDS + 2;

    /** A socket timeout of 2 s, and a migration step of 4 s after the schema's own. */
    public static class ShortSocketTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.jdbc.additional-jdbc-properties.socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS),
                    SlowMigrationStep.SECONDS, String.valueOf(STEP_SECONDS));
        }
    }

    @Inject
    DataSource dataSource;

    @Inject
    Flyway flyway;

    @Test
    void aMigrationStepLongerThanTheSocketTimeoutCompletes() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet step = statement.executeQuery("SELECT success FROM flyway_schema_history WHERE version = '" + SlowMigrationStep.VERSION + "'")) {
            assertThat(step.next()).as("the slow step was applied").isTrue();
            assertThat(step.getBoolean("success")).isTrue();
        }
        assertThat(flyway.info().pending()).isEmpty();
    }

    @Test
    void theServicesOwnConnectionsKeepTheirSocketTimeout() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("SELECT pg_sleep(" + STEP_SECONDS + ")"))
                    .isInstanceOf(SQLException.class)
                    .hasRootCauseInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void aReplicaWaitsForAnotherOnesMigrationWithoutGivingUp() {
        // Flyway's default, 50 tries a second apart, failed a replica that waited longer than that
        assertThat(flyway.getConfiguration().getLockRetryCount()).isEqualTo(MigrationLockWait.FOREVER);
    }
}
