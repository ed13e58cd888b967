package io.aibridge.proxy;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The service starts against real infrastructure, serves its probes and metrics, and creates its topic. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class HealthAndMetricsTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void livenessAndReadinessAreUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsAreServedInPrometheusFormat() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"))
                .body(containsString("aibridge_events_waiting"));
    }

    @Test
    void createsTheInterceptionsTopicWithItsPartitionsAndRecordSizeLimit() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            TopicDescription topic = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(
                    () -> admin.describeTopics(List.of(Topics.INTERCEPTIONS)).allTopicNames().get().get(Topics.INTERCEPTIONS),
                    t -> t != null);
            assertThat(topic.partitions()).hasSize(2);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.INTERCEPTIONS);
            Config config = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> admin.describeConfigs(List.of(resource)).all().get().get(resource), c -> c != null);
            assertThat(config.get("max.message.bytes").value()).isEqualTo(String.valueOf(16 * 1024 * 1024));
        }
    }
}
