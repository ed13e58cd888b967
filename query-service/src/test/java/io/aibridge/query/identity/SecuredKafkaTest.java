package io.aibridge.query.identity;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.PostgresTestResource;
import io.aibridge.testing.SaslKafkaTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * Against a broker that only talks SASL (a secured production cluster): the {@code KAFKA_*}
 * security settings reach every Kafka client of the service, so the identity topic is created,
 * written and read back, and a new key authenticates at once.
 */
@QuarkusTest
@WithTestResource(SaslKafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class SecuredKafkaTest {

    @Test
    void usersAndKeysGoThroughTheSecuredIdentityTopic() {
        // ready once the identity topic, read over SASL, has been read to its end
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200));
        given().header("Authorization", "Bearer test-bootstrap-token").contentType("application/json")
                .body("{\"username\": \"sk-dana\", \"role\": \"member\"}")
                .post("/api/v2/users").then().statusCode(201).body("username", equalTo("sk-dana"));
        String token = given().header("Authorization", "Bearer test-bootstrap-token")
                .post("/api/v2/users/sk-dana/keys").then().statusCode(201).body("token", startsWith("aib_"))
                .extract().path("token");

        given().header("Authorization", "Bearer " + token).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("sk-dana"));
        given().get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'identity' }.data.caught_up", equalTo(true));

        try (KafkaEvents kafka = SaslKafkaTestResource.client()) {
            assertThat(kafka.records(Topics.IDENTITY)).anySatisfy(r ->
                    assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("\"sk-dana\""));
        }
    }
}
