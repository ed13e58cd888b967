package io.aibridge.retention.schedule;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After the run at start the purge comes back every AIBRIDGE_RETENTION_INTERVAL, also after a run
 * that failed: a service that stopped purging would stay up and healthy while the data grew.
 */
@QuarkusTest
@TestProfile(PurgeEveryIntervalTest.EverySecond.class)
@WithTestResource(SeededPostgresTestResource.class)
class PurgeEveryIntervalTest {

    /** A run every second; a lock the run cannot get fails it at the first 100 ms timeout. */
    public static class EverySecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_RETENTION", "60d", "AIBRIDGE_RETENTION_INTERVAL", "1s",
                    "AIBRIDGE_RETENTION_LOCK_TIMEOUT", "100ms", "AIBRIDGE_RETENTION_LOCK_ATTEMPTS", "1");
        }
    }

    @Inject
    MeterRegistry registry;
    @Inject
    DataSource dataSource;

    @Test
    void runsAgainAfterEachIntervalAndAfterAFailedRun() throws Exception {
        await().atMost(Duration.ofMinutes(1)).until(() -> runs(true) >= 2);
        assertThat(runs(false)).isZero();

        try (Connection blocker = dataSource.getConnection(); Statement statement = blocker.createStatement()) {
            // every run sets the retention horizon first: with its table locked, the runs fail
            blocker.setAutoCommit(false);
            statement.execute("LOCK TABLE aibridge_retention_horizon IN ACCESS EXCLUSIVE MODE");
            await().atMost(Duration.ofMinutes(1)).until(() -> runs(false) >= 1);
            blocker.rollback();
        }
        long succeededBeforeTheLock = runs(true);

        await().atMost(Duration.ofMinutes(1)).until(() -> runs(true) >= succeededBeforeTheLock + 1);
        assertThat(registry.get("aibridge.dbpurge.last.success.timestamp").gauge().value()).isPositive();
    }

    private long runs(boolean succeeded) {
        return registry.get("aibridge.dbpurge.iteration.duration").tag("success", Boolean.toString(succeeded)).timer().count();
    }
}
