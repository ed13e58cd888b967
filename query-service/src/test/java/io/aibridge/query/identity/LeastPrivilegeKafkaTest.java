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
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * A least-privilege principal on a cluster with ACLs: READ, WRITE and DESCRIBE on the identity topic
 * an operator made, no CREATE. Kafka refuses the creation with TOPIC_AUTHORIZATION_FAILED although
 * the topic exists. As it was, the topic was never taken as ready: every admin change answered 503
 * "The identity topic cannot be reached" and the bootstrap admin was never published.
 */
@QuarkusTest
@WithTestResource(LeastPrivilegeKafkaResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class LeastPrivilegeKafkaTest {

    @Test
    void usersAndKeysAreWrittenToTheOperatorMadeTopic() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200)
                        .body("checks.find { it.name == 'identity' }.data.topic_ready", equalTo(true)));
        given().header("Authorization", "Bearer test-bootstrap-token").contentType("application/json")
                .body("{\"username\": \"lp-erin\", \"role\": \"member\"}")
                .post("/api/v2/users").then().statusCode(201).body("username", equalTo("lp-erin"));
        String token = given().header("Authorization", "Bearer test-bootstrap-token")
                .post("/api/v2/users/lp-erin/keys").then().statusCode(201).body("token", startsWith("aib_"))
                .extract().path("token");
        given().header("Authorization", "Bearer " + token).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("lp-erin"));

        // read with the same principal: the records are on the operator's topic
        try (KafkaEvents kafka = SaslKafkaTestResource.client()) {
            assertThat(kafka.records(Topics.IDENTITY)).anySatisfy(r ->
                    assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("\"lp-erin\""));
        }
    }
}
