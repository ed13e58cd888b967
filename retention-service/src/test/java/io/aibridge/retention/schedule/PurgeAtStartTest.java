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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/** With AIBRIDGE_RETENTION set, the service purges once as soon as it starts, then on its interval. */
@QuarkusTest
@TestProfile(PurgeAtStartTest.SixtyDays.class)
@WithTestResource(SeededPostgresTestResource.class)
class PurgeAtStartTest {

    /** AIBRIDGE_RETENTION=60d; the next run is an hour away, so only the start-up run happens here. */
    public static class SixtyDays implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_RETENTION", "60d", "AIBRIDGE_RETENTION_INTERVAL", "1h");
        }
    }

    @Inject
    PurgeScheduler scheduler;
    @Inject
    MeterRegistry registry;
    @Inject
    DataSource dataSource;

    @Test
    void purgesOnceAtStartAndSchedulesTheNextRuns() throws Exception {
        await().atMost(Duration.ofMinutes(2)).ignoreExceptions().until(() ->
                registry.get("aibridge.dbpurge.iteration.duration").tag("success", "true").timer().count() >= 1);

        assertThat(scheduler.scheduled()).isTrue();
        assertThat(interceptionsIn("seeded-old")).isZero();
        assertThat(interceptionsIn("seeded-young")).isEqualTo(20);
        assertThat(registry.get("aibridge.dbpurge.records.purged").tag("record_type", "aibridge_interceptions").counter().count())
                .isEqualTo(10);
        assertThat(registry.get("aibridge.dbpurge.last.success.timestamp").gauge().value()).isPositive();
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("aibridge_dbpurge_records_purged_total{record_type=\"aibridge_interceptions\"} 10.0"))
                .body(containsString("aibridge_dbpurge_iteration_duration_seconds_count{success=\"true\"} 1"));
    }

    private long interceptionsIn(String session) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT count(*) FROM aibridge_interceptions WHERE session_id = '" + session + "'")) {
            row.next();
            return row.getLong(1);
        }
    }
}
