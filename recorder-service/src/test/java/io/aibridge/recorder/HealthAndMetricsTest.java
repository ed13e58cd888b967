package io.aibridge.recorder;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

/** The service serves its probes and Prometheus metrics, with the recorder's own meters and no per-user labels. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class HealthAndMetricsTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void livenessReportsTheConsumerThreads() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("recorder consumers alive"))
                .body("checks.find { it.name == 'recorder consumers alive' }.data.aibridge-recorder-interceptions-0", equalTo("running"))
                .body("checks.find { it.name == 'recorder consumers alive' }.data.aibridge-recorder-identity-0", equalTo("running"));
    }

    @Test
    void readinessNeedsTheDatabaseAndRunningConsumers() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("recorder consumers running", "Database connections health check"));
    }

    @Test
    void metricsCountConsumedAndStoredEventsWithoutUserLabels() {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, TestEvents.now());
        try (RecorderKafka kafka = new RecorderKafka(bootstrapServers)) {
            kafka.events().publish(new InterceptionEvent[]{interception.started(), interception.ended(10)});
            kafka.awaitConsumed("aibridge-recorder", Topics.INTERCEPTIONS);
        }
        String metrics = given().get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("aibridge_recorder_events_consumed_total{topic=\"aibridge.interceptions.v1\",type=\"interception_started\"}"))
                .body(containsString("aibridge_recorder_events_stored_total{topic=\"aibridge.interceptions.v1\",type=\"interception_ended\"}"))
                .body(containsString("aibridge_recorder_batch_size_count{topic=\"aibridge.interceptions.v1\"}"))
                .body(containsString("aibridge_recorder_batch_write_seconds_bucket{topic=\"aibridge.interceptions.v1\""))
                .body(containsString("aibridge_recorder_consumer_lag{topic=\"aibridge.interceptions.v1\"} 0.0"))
                .body(containsString("aibridge_recorder_consumer_lag{topic=\"aibridge.identity.v1\"}"))
                .body(containsString("aibridge_recorder_database_retries_total{topic=\"aibridge.interceptions.v1\"}"))
                .body(containsString("aibridge_recorder_end_to_commit_seconds_count"))
                .body(containsString("aibridge_recorder_consumer_paused{topic=\"aibridge.interceptions.v1\"} 0.0"))
                .extract().asString();
        given().get("/q/metrics").then().body(not(containsString(alice.toString())))
                .body(not(containsString(interception.id.toString())));
        org.assertj.core.api.Assertions.assertThat(metrics).doesNotContain("initiator").doesNotContain("session_id");
    }
}
