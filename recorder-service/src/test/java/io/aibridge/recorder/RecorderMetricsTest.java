package io.aibridge.recorder;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Topics;
import io.aibridge.events.CloudEventHeaders;
import io.aibridge.testing.AlertRules;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.aibridge.testing.PromQl;
import io.aibridge.testing.PrometheusScrape;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recorder's metrics (issue 7: events consumed and stored, batch size and write latency,
 * consumer lag, dead-lettered events), scraped before and after known traffic: names, labels and
 * increments, and the recorder metrics the Grafana dashboard charts. Shares its boot with
 * {@link HealthAndMetricsTest}; counters are compared as deltas.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class RecorderMetricsTest {

    private static final Map<String, String> INTERCEPTIONS = Map.of("topic", Topics.INTERCEPTIONS);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void consumedStoredBatchLagAndDeadLetterMetricsCountKnownTraffic() {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception one = new TestEvents.Interception(alice, TestEvents.now()).clientSession("metrics-" + UUID.randomUUID());
        TestEvents.Interception two = new TestEvents.Interception(alice, TestEvents.now());
        PrometheusScrape before;
        try (RecorderKafka kafka = new RecorderKafka(bootstrapServers)) {
            kafka.awaitConsumed("aibridge-recorder", Topics.INTERCEPTIONS);
            before = scrape();
            kafka.events().publish(one.started(), one.prompt("Count me", 10), one.tokens(1, 2, 3, 4, 20), one.ended(30),
                    two.started(), two.ended(5));
            // a record that can never be stored: not JSON
            EncodedEvent valid = new EventCodec("/test").encode(one.prompt("again", 11));
            kafka.events().publishRaw(Topics.INTERCEPTIONS, valid.key(), valid.headers(), "{not json".getBytes(StandardCharsets.UTF_8));
            // a newer version of a known type (a producer mid-migration): skipped, not dead-lettered
            Map<String, String> newer = new java.util.LinkedHashMap<>(valid.headers());
            newer.put(CloudEventHeaders.TYPE, "io.aibridge.interception.prompt.recorded.v2");
            kafka.events().publishRaw(Topics.INTERCEPTIONS, valid.key(), newer, valid.body());
            kafka.awaitConsumed("aibridge-recorder", Topics.INTERCEPTIONS);
        }
        PrometheusScrape after = await().atMost(Duration.ofSeconds(20)).until(this::scrape,
                s -> s.delta(before, "aibridge_recorder_events_stored_total", INTERCEPTIONS) >= 6);

        assertThat(after.labelNames("aibridge_recorder_events_consumed_total")).containsExactlyInAnyOrder("topic", "type");
        assertThat(after.delta(before, "aibridge_recorder_events_consumed_total", with("type", "interception_started"))).isEqualTo(2.0);
        assertThat(after.delta(before, "aibridge_recorder_events_consumed_total", with("type", "interception_ended"))).isEqualTo(2.0);
        assertThat(after.delta(before, "aibridge_recorder_events_consumed_total", with("type", "prompt_recorded"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_recorder_events_consumed_total", with("type", "invalid"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_recorder_events_stored_total", with("type", "interception_started"))).isEqualTo(2.0);
        assertThat(after.delta(before, "aibridge_recorder_events_stored_total", with("type", "token_usage_recorded"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_recorder_events_stored_total", INTERCEPTIONS)).isEqualTo(6.0);
        assertThat(after.delta(before, "aibridge_recorder_dead_lettered_total", with("reason", "invalid_event"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_recorder_events_skipped_total", with("reason", "newer_version"))).isEqualTo(1.0);
        // eight records in one or more batches, each batch written once
        assertThat(after.delta(before, "aibridge_recorder_batch_size_sum", INTERCEPTIONS)).isEqualTo(8.0);
        double batches = after.delta(before, "aibridge_recorder_batch_size_count", INTERCEPTIONS);
        assertThat(batches).isBetween(1.0, 8.0);
        assertThat(after.delta(before, "aibridge_recorder_batch_write_seconds_count", INTERCEPTIONS)).isPositive().isLessThanOrEqualTo(batches);
        assertThat(after.series("aibridge_recorder_batch_write_seconds_bucket", INTERCEPTIONS)).isNotEmpty();
        assertThat(after.value("aibridge_recorder_consumer_lag", INTERCEPTIONS)).isZero();

        Set<String> forbidden = Set.of(alice.toString(), one.id.toString(), two.id.toString());
        assertThat(after.samples()).filteredOn(s -> s.name().startsWith("aibridge_")).allSatisfy(s -> {
            assertThat(s.labels().keySet()).as(s.name()).doesNotContain("user", "user_id", "initiator", "initiator_id", "session", "session_id");
            assertThat(s.labels().values()).as(s.name()).doesNotContainAnyElementsOf(forbidden);
        });

        // every recorder metric the Grafana dashboard charts or an alerting rule reads is exported
        Set<String> charted = PromQl.monitoredMetricNames();
        assertThat(AlertRules.load().metricNames()).contains("aibridge_recorder_consumer_paused", "aibridge_recorder_consumer_lag");
        assertThat(charted).contains("aibridge_recorder_consumer_lag", "aibridge_recorder_dead_lettered_total",
                "aibridge_recorder_events_skipped_total");
        assertThat(charted.stream().filter(name -> name.startsWith("aibridge_recorder_"))).allSatisfy(name ->
                assertThat(after.names()).as("exported by recorder-service").contains(name));
    }

    private PrometheusScrape scrape() {
        return PrometheusScrape.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private static Map<String, String> with(String label, String value) {
        return Map.of("topic", Topics.INTERCEPTIONS, label, value);
    }
}
