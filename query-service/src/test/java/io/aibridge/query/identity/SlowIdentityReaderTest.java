package io.aibridge.query.identity;

import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.IdentityStore.KeyState;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

/**
 * A change Kafka has acknowledged is durable and reaches every replica, so it is answered as made
 * even when this replica's identity reader is too far behind to apply it within the apply timeout:
 * a created key comes with its token (a 503 would lose the only copy of a key that works everywhere),
 * a revocation and an update answer what they changed. The reader is held back for real: it is made
 * to apply an event of the test's own, whose completion the test blocks on the reader's thread.
 */
@QuarkusTest
@TestProfile(SlowIdentityReaderTest.ShortApplyTimeout.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class SlowIdentityReaderTest {

    /** An apply timeout the held reader outlasts, and a service and broker of this class's own. */
    public static class ShortApplyTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("query.identity.apply-timeout", "1s");
        }
    }

    static final String ADMIN = "Bearer test-bootstrap-token";

    @Inject
    IdentityStore store;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafkaServers;

    private final CountDownLatch release = new CountDownLatch(1);

    private static RequestSpecification admin() {
        return given().header("Authorization", ADMIN);
    }

    @BeforeEach
    void ready() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @AfterEach
    void letTheReaderGo() {
        release.countDown();
    }

    /**
     * Blocks the identity reader's thread until {@link #release} opens: the reader applies an event of
     * the test's own, and completing the future waiting for it runs the test's blocking step on the
     * reader's thread. Returns once the reader is held.
     */
    private void holdTheReader() throws InterruptedException {
        UUID eventId = EventCodec.newEventId();
        CountDownLatch held = new CountDownLatch(1);
        store.whenApplied(eventId).thenRun(() -> {
            held.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Instant now = Instant.now();
        try (KafkaEvents kafka = new KafkaEvents(kafkaServers)) {
            kafka.publish(new UserUpserted(eventId, UUID.randomUUID(), "sr-holder-" + eventId.toString().substring(0, 8), "", null, "",
                    Role.MEMBER, UserStatus.ACTIVE, now, now));
        }
        assertThat(held.await(30, TimeUnit.SECONDS)).as("the identity reader reached the holding event").isTrue();
    }

    private String createUser(String username) {
        return admin().contentType("application/json").body("{\"username\": \"" + username + "\"}")
                .post("/api/v2/users").then().statusCode(201).extract().path("id");
    }

    @Test
    void aKeyCreatedWhileThisReplicaLagsComesWithItsTokenAndExistsOnce() throws InterruptedException {
        String userId = createUser("sr-ann");
        holdTheReader();

        JsonPath created = admin().post("/api/v2/users/sr-ann/keys").then().statusCode(201)
                .body("token", startsWith("aib_")).body("status", equalTo("active")).body("user_id", equalTo(userId))
                .extract().jsonPath();
        String keyId = created.getString("id");
        String token = created.getString("token");
        assertThat(store.key(keyId)).as("answered before this replica applied the key").isEmpty();

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> store.key(keyId).isPresent());
        assertThat(store.keysOf(UUID.fromString(userId))).extracting(KeyState::keyId).containsExactly(keyId);
        admin().get("/api/v2/users/sr-ann/keys").then().statusCode(200).body("count", equalTo(1))
                .body("keys[0].id", equalTo(keyId));
        given().header("Authorization", "Bearer " + token).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("sr-ann"));
    }

    @Test
    void aRevocationAndAnUpdateWhileThisReplicaLagsAnswerWhatTheyChanged() throws InterruptedException {
        createUser("sr-bob");
        String keyId = admin().post("/api/v2/users/sr-bob/keys").then().statusCode(201).extract().path("id");
        holdTheReader();

        admin().delete("/api/v2/users/sr-bob/keys/" + keyId).then().statusCode(200)
                .body("status", equalTo("revoked")).body("revoked_at", notNullValue());
        admin().contentType("application/json").body("{\"name\": \"Bob B.\"}").patch("/api/v2/users/sr-bob")
                .then().statusCode(200).body("name", equalTo("Bob B."));
        assertThat(store.key(keyId).orElseThrow().revoked()).as("answered before this replica applied the revocation").isFalse();

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> store.key(keyId).orElseThrow().revoked());
        await().atMost(Duration.ofSeconds(30)).until(() -> store.userByUsername("sr-bob").orElseThrow().name().equals("Bob B."));
    }
}
