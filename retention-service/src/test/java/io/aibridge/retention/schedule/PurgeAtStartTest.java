package io.aibridge.retention.schedule;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
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

/**
 * With AIBRIDGE_RETENTION set, the service purges once as soon as it starts, then on its interval;
 * with AIBRIDGE_TRACE_ENABLE each run is a span.
 */
@QuarkusTest
@TestProfile(PurgeAtStartTest.SixtyDays.class)
@WithTestResource(SeededPostgresTestResource.class)
class PurgeAtStartTest {

    /** AIBRIDGE_RETENTION=60d; the next run is an hour away, so only the start-up run happens here. Tracing on. */
    public static class SixtyDays implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_RETENTION", "60d", "AIBRIDGE_RETENTION_INTERVAL", "1h",
                    "aibridge.trace.enable", "true", "quarkus.otel.bsp.schedule.delay", "50ms");
        }
    }

    @Inject
    PurgeScheduler scheduler;
    @Inject
    MeterRegistry registry;
    @Inject
    DataSource dataSource;
    @Inject
    InMemorySpanExporter spans;

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

    @Test
    void thePurgeRunIsASpanWithWhatItRemoved() {
        SpanData run = await().atMost(Duration.ofMinutes(2)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(PurgeScheduler.PURGE_SPAN)).findFirst().orElse(null), java.util.Objects::nonNull);
        assertThat(run.getParentSpanContext().isValid()).as("a trace of its own").isFalse();
        assertThat(run.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(run.getAttributes().get(PurgeScheduler.OUTCOME)).isEqualTo("complete");
        assertThat(run.getAttributes().get(PurgeScheduler.DRY_RUN)).isFalse();
        assertThat(run.getAttributes().get(PurgeScheduler.ROWS)).as("10 seeded old interceptions and their children").isGreaterThanOrEqualTo(10L);
        assertThat(run.getAttributes().get(PurgeScheduler.CUTOFF)).isNotBlank();
        // it deleted rows, so it paused after its statements (AIBRIDGE_RETENTION_DUTY_CYCLE's default, 50), within the span
        assertThat(run.getAttributes().get(PurgeScheduler.PAUSED_SECONDS)).isPositive()
                .isLessThan((run.getEndEpochNanos() - run.getStartEpochNanos()) / 1e9);
    }

    private long interceptionsIn(String session) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT count(*) FROM aibridge_interceptions WHERE session_id = '" + session + "'")) {
            row.next();
            return row.getLong(1);
        }
    }
}
