package io.aibridge.retention.schedule;

import io.aibridge.testing.Database;
import io.aibridge.testing.InjectDatabase;
import io.aibridge.testing.PostgresTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On a fresh install retention-service may start before recorder-service has migrated the
 * database. Its runs then find no tables: they wait for them, trying every
 * {@value PurgeScheduler#SCHEMA_WAIT_SECONDS} s instead of failing and waiting a whole interval,
 * and purge as soon as the schema is there.
 */
@QuarkusTest
@TestProfile(WaitsForTheSchemaTest.HourlyRuns.class)
@WithTestResource(PostgresTestResource.class)
class WaitsForTheSchemaTest {

    /** The interval is an hour: a run within the test can only be a schema retry. */
    public static class HourlyRuns implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_RETENTION", "60d", "AIBRIDGE_RETENTION_INTERVAL", "1h");
        }
    }

    @InjectDatabase
    Database database;
    @Inject
    PurgeScheduler scheduler;
    @Inject
    MeterRegistry registry;

    @Test
    void aRunBeforeTheRecorderMigratedWaitsAndTheNextPurgesOnceTheSchemaIsThere() {
        await().atMost(Duration.ofSeconds(60)).until(scheduler::waitingForSchema);
        assertThat(registry.find("aibridge.dbpurge.iteration.duration").timers()).as("a wait is neither a success nor a failure")
                .allSatisfy(t -> assertThat(t.count()).isZero());

        database.migrate(); // what recorder-service does when it starts

        await().atMost(Duration.ofSeconds(3 * PurgeScheduler.SCHEMA_WAIT_SECONDS)).until(() -> !scheduler.waitingForSchema());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                registry.get("aibridge.dbpurge.iteration.duration").tag("success", "true").timer().count() == 1);
        assertThat(registry.get("aibridge.dbpurge.iteration.duration").tag("success", "false").timer().count()).isZero();
    }
}
