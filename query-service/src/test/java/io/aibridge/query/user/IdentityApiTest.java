package io.aibridge.query.user;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.Event;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * The identity flow through the admin API: the bootstrap admin, creating users and keys, keys that
 * authenticate at once, revocation and suspension that take effect within seconds, and the events
 * on the compacted identity topic (never a secret).
 */
@QuarkusTest
@TestProfile(IdentityApiTest.OwnIdentityTopic.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityApiTest {

    /**
     * A profile of its own, so this class gets its own service and broker: its last test revokes the
     * bootstrap key, which is final, and other classes with the same resources sign in with the
     * bootstrap token.
     */
    public static class OwnIdentityTopic implements QuarkusTestProfile {
    }

    static final String BOOTSTRAP_TOKEN = "test-bootstrap-token";

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafkaServers;

    Fixture fixture;
    KafkaEvents kafka;

    @BeforeAll
    void start() {
        fixture = Fixture.start(store, identity);
        kafka = new KafkaEvents(kafkaServers);
        await().atMost(Duration.ofSeconds(30)).until(identity::bootstrapDone);
    }

    @AfterAll
    void close() {
        kafka.close();
        fixture.close();
    }

    @Test
    void theBootstrapTokenIsTheFirstOwnerAndIsPublishedWithoutItsSecretOrItsHash() throws Exception {
        admin().get("/api/v2/users/me").then().statusCode(200)
                .body("id", equalTo(BootstrapAdmin.USER_ID.toString())).body("username", equalTo("admin"))
                .body("role", equalTo("owner")).body("status", equalTo("active"));

        List<Event> events = kafka.events(Topics.IDENTITY);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(UserUpserted.class,
                u -> assertThat(u.userId()).isEqualTo(BootstrapAdmin.USER_ID)));
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ApiKeyCreated.class, k -> {
            assertThat(k.keyId()).isEqualTo(BootstrapAdmin.KEY_ID);
            assertThat(k.secretHash()).isEqualTo(BootstrapAdmin.NO_SECRET_HASH);
        }));
        assertThat(kafka.records(Topics.IDENTITY)).noneSatisfy(r ->
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains(ApiKeys.sha256Hex(BOOTSTRAP_TOKEN)));
        assertThat(kafka.records(Topics.IDENTITY)).noneSatisfy(r ->
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains(BOOTSTRAP_TOKEN));
        assertThat(cleanupPolicy()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    @Test
    void anOwnerCreatesAUserAndAKeyThatAuthenticatesAtOnce() {
        JsonPath user = admin().contentType("application/json")
                .body("{\"username\": \"ia-carol\", \"name\": \"Carol\", \"email\": \"carol@example.com\", \"role\": \"member\"}")
                .post("/api/v2/users").then().statusCode(201).header("Location", startsWith("http"))
                .header("Cache-Control", "no-store")
                .body("username", equalTo("ia-carol")).body("role", equalTo("member")).body("status", equalTo("active"))
                .body("email", equalTo("carol@example.com")).extract().jsonPath();
        String userId = user.getString("id");

        JsonPath key = admin().contentType("application/json").body("{\"name\": \"laptop\"}")
                .post("/api/v2/users/ia-carol/keys").then().statusCode(201)
                .body("user_id", equalTo(userId)).body("name", equalTo("laptop")).body("status", equalTo("active"))
                .body("token", startsWith("aib_")).extract().jsonPath();
        String token = key.getString("token");
        String keyId = key.getString("id");
        assertThat(token).startsWith("aib_" + keyId + "_");

        given().header("Authorization", "Bearer " + token).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("ia-carol"));
        given().header("X-Api-Key", token).get("/api/v2/aibridge/sessions").then().statusCode(200);
        given().header("Coder-Session-Token", token).get("/api/v2/aibridge/interceptions").then().statusCode(200);

        admin().get("/api/v2/users/" + userId + "/keys").then().statusCode(200)
                .body("count", equalTo(1)).body("keys[0].id", equalTo(keyId)).body("keys[0]", org.hamcrest.Matchers.not(
                        org.hamcrest.Matchers.hasKey("token")));
        admin().get("/api/v2/users/ia-carol/keys/" + keyId).then().statusCode(200).body("name", equalTo("laptop"));
        String secret = ApiKeys.parse(token).orElseThrow().secret();
        assertThat(kafka.records(Topics.IDENTITY)).noneSatisfy(r ->
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains(secret));
        assertThat(kafka.records(Topics.IDENTITY)).anySatisfy(r -> {
            assertThat(r.key()).isEqualTo(keyId);
            assertThat(KafkaEvents.header(r, "ce_type")).isEqualTo("io.aibridge.identity.api_key.created.v1");
            assertThat(KafkaEvents.header(r, "ce_source")).isEqualTo("/aibridge/query-service");
        });
    }

    @Test
    void aRevokedKeyIsRejectedWithinFiveSeconds() {
        String username = "ia-dave";
        createUser(username, "member");
        JsonPath key = admin().post("/api/v2/users/" + username + "/keys").then().statusCode(201).extract().jsonPath();
        String token = key.getString("token");
        given().header("Authorization", "Bearer " + token).get("/api/v2/users/me").then().statusCode(200);

        admin().delete("/api/v2/users/" + username + "/keys/" + key.getString("id")).then().statusCode(200)
                .body("status", equalTo("revoked")).body("revoked_at", org.hamcrest.Matchers.notNullValue());

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                given().header("Authorization", "Bearer " + token).get("/api/v2/aibridge/sessions").then().statusCode(401)
                        .body("message", equalTo("Authentication required.")).body("detail", equalTo("API key has been revoked")));
        admin().delete("/api/v2/users/" + username + "/keys/" + key.getString("id")).then().statusCode(200)
                .body("status", equalTo("revoked"));
        assertThat(kafka.events(Topics.IDENTITY)).filteredOn(e -> e instanceof ApiKeyRevoked r && r.keyId().equals(key.getString("id")))
                .hasSize(1);
    }

    @Test
    void roleAndStatusChangesTakeEffectImmediately() {
        TestUser erin = fixture.users.create("ia-erin", Role.MEMBER);
        fixture.data.interception(BootstrapAdmin.USER_ID).at("2026-05-01T10:00:00Z").clientSessionId("ia-admins").save();
        fixture.data.refreshSessions();
        assertThat(erin.request().get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath().getLong("count")).isZero();

        admin().contentType("application/json").body("{\"role\": \"auditor\", \"email\": null, \"name\": \"Erin A.\"}")
                .patch("/api/v2/users/" + erin.id()).then().statusCode(200)
                .body("role", equalTo("auditor")).body("name", equalTo("Erin A.")).body("email", org.hamcrest.Matchers.nullValue());
        assertThat(erin.request().get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath()
                .getList("sessions.id")).contains("ia-admins");
        erin.request().get("/api/v2/users").then().statusCode(403);

        admin().contentType("application/json").body("{\"status\": \"suspended\"}").patch("/api/v2/users/ia-erin")
                .then().statusCode(200).body("status", equalTo("suspended"));
        erin.request().get("/api/v2/users/me").then().statusCode(401).body("detail", equalTo("user is suspended or does not exist"));

        admin().contentType("application/json").body("{\"status\": \"active\", \"username\": \"ia-erin2\"}")
                .patch("/api/v2/users/ia-erin").then().statusCode(200).body("username", equalTo("ia-erin2"));
        erin.request().get("/api/v2/users/me").then().statusCode(200).body("username", equalTo("ia-erin2"));
    }

    @Test
    void usernamesAreUniqueIgnoringCase() {
        createUser("ia-frank", "member");
        admin().contentType("application/json").body("{\"username\": \"IA-Frank\"}").post("/api/v2/users")
                .then().statusCode(409).body("message", equalTo("Username is already taken."))
                .body("validations[0].field", equalTo("username"));
        createUser("ia-grace", "member");
        admin().contentType("application/json").body("{\"username\": \"ia-FRANK\"}").patch("/api/v2/users/ia-grace")
                .then().statusCode(409);
    }

    @Test
    void theLastActiveOwnerCannotBeDemotedOrSuspended() {
        List<Map<String, Object>> owners = admin().get("/api/v2/users").then().statusCode(200).extract().jsonPath()
                .getList("users.findAll { it.role == 'owner' && it.status == 'active' }");
        for (Map<String, Object> other : owners) {
            if (!other.get("id").equals(BootstrapAdmin.USER_ID.toString())) {
                admin().contentType("application/json").body("{\"role\": \"auditor\"}").patch("/api/v2/users/" + other.get("id"))
                        .then().statusCode(200);
            }
        }
        try {
            admin().contentType("application/json").body("{\"role\": \"member\"}").patch("/api/v2/users/me")
                    .then().statusCode(409).body("message", equalTo("At least one active owner must remain."));
            admin().contentType("application/json").body("{\"status\": \"suspended\"}").patch("/api/v2/users/admin")
                    .then().statusCode(409);
        } finally {
            for (Map<String, Object> other : owners) {
                if (!other.get("id").equals(BootstrapAdmin.USER_ID.toString())) {
                    admin().contentType("application/json").body("{\"role\": \"owner\"}").patch("/api/v2/users/" + other.get("id"))
                            .then().statusCode(200);
                }
            }
        }
    }

    @Test
    void onlyOwnersManageUsersAndKeysWhileEveryoneReadsThemselves() {
        TestUser auditor = fixture.users.create("ia-auditor", Role.AUDITOR);
        TestUser member = fixture.users.create("ia-member", Role.MEMBER);
        for (TestUser user : List.of(auditor, member)) {
            user.request().get("/api/v2/users/me").then().statusCode(200).body("username", equalTo(user.username()))
                    .body("role", equalTo(user.role().wireName()));
            user.request().get("/api/v2/users").then().statusCode(403).body("message", equalTo("Forbidden."))
                    .body("detail", equalTo("Only owners can manage users and API keys."));
            user.request().contentType("application/json").body("{\"username\": \"ia-sneaky\"}").post("/api/v2/users").then().statusCode(403);
            user.request().get("/api/v2/users/" + user.id()).then().statusCode(403);
            user.request().contentType("application/json").body("{\"role\": \"owner\"}").patch("/api/v2/users/me").then().statusCode(403);
            user.request().get("/api/v2/users/me/keys").then().statusCode(403);
            user.request().post("/api/v2/users/me/keys").then().statusCode(403);
            user.request().delete("/api/v2/users/me/keys/" + user.keyId()).then().statusCode(403);
        }
        admin().get("/api/v2/users/ia-sneaky").then().statusCode(404).body("message", equalTo("User not found."));
        member.request().get("/api/v2/users/me").then().statusCode(200).body("role", equalTo("member"));
    }

    @Test
    void unknownUsersAndKeysAreNotFound() {
        TestUser henry = fixture.users.create("ia-henry", Role.MEMBER);
        TestUser iris = fixture.users.create("ia-iris", Role.MEMBER);
        admin().get("/api/v2/users/nobody-here").then().statusCode(404);
        admin().get("/api/v2/users/00000000-0000-4000-8000-0000000000ff").then().statusCode(404);
        admin().get("/api/v2/users/ia-henry/keys/nokey").then().statusCode(404).body("message", equalTo("API key not found."));
        // a key is found only under its own user
        admin().delete("/api/v2/users/ia-henry/keys/" + iris.keyId()).then().statusCode(404);
        iris.request().get("/api/v2/users/me").then().statusCode(200);
        admin().get("/api/v2/users/" + henry.username()).then().statusCode(200).body("id", equalTo(henry.id().toString()));
    }

    @Test
    @Order(Integer.MAX_VALUE) // revokes the bootstrap key for good: runs after every other test of the class
    void noOwnerChangeLeavesEveryActiveOwnerWithoutAWorkingCredential() {
        List<Map<String, Object>> owners = admin().get("/api/v2/users").then().statusCode(200).extract().jsonPath()
                .getList("users.findAll { it.role == 'owner' && it.status == 'active' }");
        for (Map<String, Object> other : owners) {
            if (!other.get("id").equals(BootstrapAdmin.USER_ID.toString())) {
                admin().contentType("application/json").body("{\"role\": \"auditor\"}").patch("/api/v2/users/" + other.get("id"))
                        .then().statusCode(200);
            }
        }
        createUser("ia-alice", "owner");
        JsonPath aliceKey = admin().post("/api/v2/users/ia-alice/keys").then().statusCode(201).extract().jsonPath();
        String aliceToken = aliceKey.getString("token");
        String aliceKeyId = aliceKey.getString("id");

        // while the bootstrap token works, alice may revoke a spare key of her own
        String spare = as(aliceToken).post("/api/v2/users/me/keys").then().statusCode(201).extract().jsonPath().getString("id");
        as(aliceToken).delete("/api/v2/users/me/keys/" + spare).then().statusCode(200).body("status", equalTo("revoked"));
        // and the bootstrap key, since she keeps a working key
        as(aliceToken).delete("/api/v2/users/admin/keys/bootstrap").then().statusCode(200).body("status", equalTo("revoked"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> admin().get("/api/v2/users/me").then().statusCode(401));

        // the published admin is still an active owner, but has no way in any more
        as(aliceToken).contentType("application/json").body("{\"role\": \"member\"}").patch("/api/v2/users/ia-alice")
                .then().statusCode(409).body("message", equalTo("At least one active owner must keep a working credential."))
                .body("validations[0].field", equalTo("role"));
        as(aliceToken).contentType("application/json").body("{\"status\": \"suspended\"}").patch("/api/v2/users/me")
                .then().statusCode(409).body("validations[0].field", equalTo("status"));
        as(aliceToken).delete("/api/v2/users/me/keys/" + aliceKeyId).then().statusCode(409)
                .body("message", equalTo("At least one active owner must keep a working credential."))
                .body("validations[0].field", equalTo("key_id"));
        as(aliceToken).get("/api/v2/users/me").then().statusCode(200).body("role", equalTo("owner")).body("status", equalTo("active"));
        as(aliceToken).get("/api/v2/users/me/keys/" + aliceKeyId).then().statusCode(200).body("status", equalTo("active"));
        assertThat(kafka.events(Topics.IDENTITY)).noneMatch(e -> e instanceof ApiKeyRevoked r && r.keyId().equals(aliceKeyId));

        // with another owner who holds a key, alice may step down, and that owner may revoke her key
        createUser("ia-bob", "owner", as(aliceToken));
        String bobToken = as(aliceToken).post("/api/v2/users/ia-bob/keys").then().statusCode(201).extract().jsonPath().getString("token");
        as(aliceToken).contentType("application/json").body("{\"role\": \"member\"}").patch("/api/v2/users/ia-alice")
                .then().statusCode(200).body("role", equalTo("member"));
        as(bobToken).delete("/api/v2/users/ia-alice/keys/" + aliceKeyId).then().statusCode(200).body("status", equalTo("revoked"));
        // but not his own last key
        as(bobToken).delete("/api/v2/users/me/keys/" + ApiKeys.parse(bobToken).orElseThrow().keyId()).then().statusCode(409);
        as(bobToken).get("/api/v2/users/me").then().statusCode(200).body("role", equalTo("owner"));
    }

    private void createUser(String username, String role) {
        createUser(username, role, admin());
    }

    private static void createUser(String username, String role, RequestSpecification as) {
        as.contentType("application/json").body("{\"username\": \"" + username + "\", \"role\": \"" + role + "\"}")
                .post("/api/v2/users").then().statusCode(201);
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + BOOTSTRAP_TOKEN);
    }

    private String cleanupPolicy() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaServers);
        try (Admin admin = Admin.create(p)) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.IDENTITY);
            return admin.describeConfigs(List.of(topic)).all().get().get(topic).get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        }
    }
}
