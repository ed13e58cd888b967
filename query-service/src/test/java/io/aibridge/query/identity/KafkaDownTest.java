package io.aibridge.query.identity;

import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

/**
 * With Kafka unreachable from the start the service still starts, serves reads to the bootstrap
 * token and is not ready; any other key, and the users and keys API, answer a clear 503 at once
 * (the identity topic has not been read, so a key is not known to be invalid) instead of hanging.
 */
@QuarkusTest
@TestProfile(KafkaDownTest.KafkaUnreachable.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class KafkaDownTest {

    /** Points the service at a port where nothing listens. */
    public static class KafkaUnreachable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + closedPort(),
                    "query.identity.publish-timeout", "2s",
                    "query.identity.apply-timeout", "2s");
        }

        private static int closedPort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static final String ADMIN = "Bearer test-bootstrap-token";

    @Test
    void servesReadsAndTheBootstrapTokenWhileKafkaIsDown() {
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'identity' }.data.caught_up", equalTo(false));
        given().header("Authorization", ADMIN).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("admin")).body("role", equalTo("owner"));
        given().header("Authorization", ADMIN).get("/api/v2/aibridge/sessions").then().statusCode(200).body("count", equalTo(0));
        given().header("Authorization", "Bearer aib_unknownkey1_secret").get("/api/v2/aibridge/sessions").then().statusCode(503)
                .header("Retry-After", "1");
        given().get("/api/v2/aibridge/sessions").then().statusCode(401);
    }

    @Test
    void adminWritesAnswerServiceUnavailableQuickly() {
        given().header("Authorization", ADMIN).contentType("application/json").body("{\"username\": \"kd-alice\"}")
                .post("/api/v2/users").then().statusCode(503).time(lessThan(15_000L)).header("Retry-After", "1")
                .body("message", equalTo("The service is starting and has not loaded its users and API keys yet."));
        given().header("Authorization", ADMIN).post("/api/v2/users/me/keys").then().statusCode(503);
        given().header("Authorization", ADMIN).get("/api/v2/users/kd-alice").then().statusCode(503);
    }
}
