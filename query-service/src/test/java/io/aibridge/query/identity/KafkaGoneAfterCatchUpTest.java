package io.aibridge.query.identity;

import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

/**
 * Kafka goes away after the service has read the identity topic: it stays ready, keys and reads
 * keep working from memory, and an admin change answers a clear 503 within the publish and apply
 * timeouts instead of hanging or pretending: Kafka did not answer, so it says the outcome is unknown
 * (not that nothing changed) and how to check.
 */
@QuarkusTest
@WithTestResource(KafkaGoneAfterCatchUpTest.StoppableKafka.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class KafkaGoneAfterCatchUpTest {

    /** A broker of this class's own, which the test stops. */
    public static class StoppableKafka implements QuarkusTestResourceLifecycleManager {
        static KafkaBroker broker;

        @Override
        public Map<String, String> start() {
            broker = KafkaBroker.start();
            return Map.of("kafka.bootstrap.servers", broker.bootstrapServers(),
                    "query.identity.publish-timeout", "2s", "query.identity.apply-timeout", "2s");
        }

        @Override
        public void stop() {
            broker.close();
        }
    }

    static final String ADMIN = "Bearer test-bootstrap-token";

    @Test
    void adminChangesAnswerServiceUnavailableOnceKafkaIsGoneAndReadsGoOn() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
        given().header("Authorization", ADMIN).contentType("application/json").body("{\"username\": \"kg-erin\"}")
                .post("/api/v2/users").then().statusCode(201);
        String token = given().header("Authorization", ADMIN).post("/api/v2/users/kg-erin/keys").then().statusCode(201)
                .extract().path("token");

        StoppableKafka.broker.close();

        given().header("Authorization", ADMIN).contentType("application/json").body("{\"username\": \"kg-frank\"}")
                .post("/api/v2/users").then().statusCode(503).time(lessThan(15_000L))
                .body("message", equalTo(IdentityPublisher.UNKNOWN))
                .body("detail", equalTo("Get the user (GET /api/v2/users/kg-frank) before trying again: it may exist already."));
        given().header("Authorization", ADMIN).get("/api/v2/users/kg-frank").then().statusCode(404);
        given().get("/q/health/ready").then().statusCode(200);
        given().header("Authorization", "Bearer " + token).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("kg-erin"));
        given().header("Authorization", "Bearer " + token).get("/api/v2/aibridge/sessions").then().statusCode(200);
    }
}
