package io.aibridge.query.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.Topics;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.IdentityStore;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.PostgresTestResource;
import io.aibridge.testing.TcpGate;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * query-service (re)started against an identity topic that already holds users, keys and the
 * bootstrap key entry of an earlier bootstrap token ({@link FilledIdentityTopic}): until it has read
 * the topic it is not ready and answers 503 with Retry-After, never 401 for a valid key nor an admin
 * change checked against some of the users; once caught up, keys work and a taken username is 409.
 * The earlier bootstrap token, configured no more, is refused in every form, and its hash is
 * replaced on the topic.
 */
@QuarkusTest
@WithTestResource(FilledIdentityTopic.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityCatchUpTest {

    static final String BOOTSTRAP_TOKEN = "test-bootstrap-token";

    /** Injected by {@link FilledIdentityTopic}: closed until a test opens it. */
    TcpGate gate;

    @Inject
    IdentityStore store;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafkaServers;

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static RequestSpecification admin() {
        return as(BOOTSTRAP_TOKEN);
    }

    private static String duplicateOfAlice() {
        return "{\"username\": \"" + FilledIdentityTopic.ALICE.toUpperCase() + "\", \"role\": \"member\"}";
    }

    private void openAndAwaitReady() {
        gate.open();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    @Order(1)
    void beforeTheTopicIsReadAKeyGets503WithRetryAfterAndAdminChangesWaitThenAllWorks() {
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'identity' }.data.caught_up", equalTo(false));
        as(FilledIdentityTopic.ALICE_TOKEN).get("/api/v2/users/me").then().statusCode(503).header("Retry-After", "1")
                .body("message", equalTo("The service is starting and has not loaded its users and API keys yet."))
                .body("detail", equalTo("It is reading the identity topic; retry in a moment."));
        as(FilledIdentityTopic.ALICE_TOKEN).get("/api/v2/aibridge/sessions").then().statusCode(503);
        admin().contentType("application/json").body(duplicateOfAlice()).post("/api/v2/users").then().statusCode(503)
                .header("Retry-After", "1");
        admin().get("/api/v2/users").then().statusCode(503);
        admin().get("/api/v2/users/" + FilledIdentityTopic.ALICE).then().statusCode(503);
        admin().delete("/api/v2/users/" + FilledIdentityTopic.ALICE + "/keys/" + FilledIdentityTopic.ALICE_KEY_ID).then().statusCode(503);
        // the bootstrap token needs no topic: recorded data and its own user are served
        admin().get("/api/v2/aibridge/sessions").then().statusCode(200).body("count", equalTo(0));
        admin().get("/api/v2/users/me").then().statusCode(200).body("username", equalTo("admin"));
        given().get("/api/v2/aibridge/sessions").then().statusCode(401);

        openAndAwaitReady();

        as(FilledIdentityTopic.ALICE_TOKEN).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo(FilledIdentityTopic.ALICE));
        admin().contentType("application/json").body(duplicateOfAlice()).post("/api/v2/users").then().statusCode(409)
                .body("validations[0].field", equalTo("username"));
        admin().get("/api/v2/users").then().statusCode(200).body("count", equalTo(FilledIdentityTopic.USERS + 1));
    }

    @Test
    @Order(2)
    void anEarlierBootstrapTokenIsRefusedInEveryFormAndItsHashIsReplacedOnTheTopic() {
        openAndAwaitReady();
        String earlier = FilledIdentityTopic.EARLIER_BOOTSTRAP_TOKEN;

        as("aib_bootstrap_" + earlier).get("/api/v2/users/me").then().statusCode(401);
        as("aib_bootstrap_" + earlier).get("/api/v2/aibridge/sessions").then().statusCode(401);
        as(earlier).get("/api/v2/users/me").then().statusCode(401);
        admin().get("/api/v2/users/me").then().statusCode(200).body("username", equalTo("admin"));
        as("aib_bootstrap_" + BOOTSTRAP_TOKEN).get("/api/v2/users/me").then().statusCode(200).body("username", equalTo("admin"));

        await().atMost(Duration.ofSeconds(30)).until(() ->
                store.key(BootstrapAdmin.KEY_ID).map(k -> BootstrapAdmin.NO_SECRET_HASH.equals(k.secretHash())).orElse(false));
        admin().get("/api/v2/users/admin/keys").then().statusCode(200)
                .body("keys.find { it.id == 'bootstrap' }.status", equalTo("active"));
        try (KafkaEvents kafka = new KafkaEvents(kafkaServers)) {
            List<ApiKeyCreated> entries = kafka.events(Topics.IDENTITY).stream()
                    .filter(e -> e instanceof ApiKeyCreated k && k.keyId().equals(BootstrapAdmin.KEY_ID))
                    .map(ApiKeyCreated.class::cast).toList();
            assertThat(entries).last().satisfies(k -> assertThat(k.secretHash()).isEqualTo(BootstrapAdmin.NO_SECRET_HASH));
            assertThat(kafka.records(Topics.IDENTITY)).noneSatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8))
                    .contains(ApiKeys.sha256Hex(BOOTSTRAP_TOKEN)));
        }
    }
}
