package io.aibridge.proxy;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.SaslKafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Against a broker that only talks SASL (a secured production cluster): the {@code KAFKA_*}
 * security settings reach the event producer, the topic's admin client and the identity reader,
 * so the proxy becomes ready and every event of an interception lands on the topic.
 */
@QuarkusTest
@WithTestResource(SaslKafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class SecuredKafkaTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @Test
    void eventsReachTheSecuredTopicAndTheIdentityReaderCatchesUp() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));

        HttpResponse<String> response = new ProxyClient(proxyUrl.toString()).post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(), "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        UUID interception = ProxyClient.interceptionId(response);

        try (KafkaEvents kafka = SaslKafkaTestResource.client()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(kafka.records(Topics.INTERCEPTIONS))
                    .filteredOn(r -> interception.toString().equals(r.key()))
                    .anySatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("\"status\":\"completed\"")));
        }
        given().get("/q/metrics").then().statusCode(200).body(org.hamcrest.Matchers.containsString("aibridge_events_spooling 0.0"));
    }
}
