package io.aibridge.query.access;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RecordedData;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Who may read what: owners and auditors read everything, a member only their own records (lists
 * filtered, another user's session is 404, initiator only narrows), and anyone without an active
 * user's valid key gets 401.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessControlTest {

    static final List<String> READ_PATHS = List.of("/api/v2/aibridge/sessions", "/api/v2/aibridge/sessions/ac-bob-1",
            "/api/v2/aibridge/interceptions", "/api/v2/aibridge/models", "/api/v2/aibridge/clients", "/api/v2/aibridge/usage",
            "/api/v2/users", "/api/v2/users/me", "/api/v2/users/me/keys");

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser owner;
    TestUser auditor;
    TestUser alice;
    TestUser bob;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        RecordedData data = fixture.data;
        owner = fixture.users.create("ac-owner", Role.OWNER);
        auditor = fixture.users.create("ac-auditor", Role.AUDITOR);
        alice = fixture.users.create("ac-alice", Role.MEMBER);
        bob = fixture.users.create("ac-bob", Role.MEMBER);
        data.interception(alice.id()).at("2026-06-01T10:00:00Z").clientSessionId("ac-alice-1").model("claude-opus-4")
                .prompt("alice").tokens(1, 1, 0, 0).save();
        data.interception(bob.id()).at("2026-06-01T11:00:00Z").clientSessionId("ac-bob-1").client("Codex").provider("openai")
                .model("gpt-5").prompt("bob").tokens(2, 2, 0, 0).save();
        data.interception(owner.id()).at("2026-06-01T12:00:00Z").clientSessionId("ac-owner-1").prompt("owner").save();
        data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void requestsWithoutAnActiveUsersValidKeyAreUnauthorized() {
        TestUser suspended = fixture.users.create("ac-suspended", Role.OWNER);
        fixture.users.suspend(suspended);
        TestUser revoked = fixture.users.create("ac-revoked", Role.OWNER);
        fixture.users.revoke(revoked);
        ApiKeys.GeneratedKey expired = ApiKeys.generate();
        fixture.users.publish(new ApiKeyCreated(EventCodec.newEventId(), expired.keyId(), owner.id(), "old", expired.secretHash(),
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-02T00:00:00Z")));
        ApiKeys.GeneratedKey forged = ApiKeys.generate();
        String wrongSecret = "aib_" + owner.keyId() + "_" + ApiKeys.parse(forged.token()).orElseThrow().secret();

        Map<String, String> cases = Map.of(
                "", "no authentication key provided",
                "not-a-key", "invalid API key",
                forged.token(), "invalid API key",
                wrongSecret, "invalid API key",
                expired.token(), "API key has expired",
                revoked.token(), "API key has been revoked",
                suspended.token(), "user is suspended or does not exist");
        for (String path : READ_PATHS) {
            cases.forEach((token, detail) -> {
                var request = token.isEmpty() ? given() : given().header("Authorization", "Bearer " + token);
                request.get(path).then().statusCode(401).header("WWW-Authenticate", "Bearer")
                        .body("message", equalTo("Authentication required.")).body("detail", equalTo(detail));
            });
            given().header("Authorization", "Basic " + owner.token()).get(path).then().statusCode(401);
        }
        given().contentType("application/json").body("{\"username\": \"ac-x\"}").post("/api/v2/users").then().statusCode(401);
    }

    @Test
    void everyTokenHeaderAuthenticates() {
        given().header("Authorization", "Bearer " + alice.token()).get("/api/v2/users/me").then().statusCode(200);
        given().header("Authorization", "bearer " + alice.token()).get("/api/v2/users/me").then().statusCode(200);
        given().header("X-Api-Key", alice.token()).get("/api/v2/users/me").then().statusCode(200);
        given().header("Coder-Session-Token", alice.token()).get("/api/v2/users/me").then().statusCode(200)
                .body("username", equalTo("ac-alice"));
    }

    @Test
    void ownersAndAuditorsReadEveryRecord() {
        for (TestUser reader : List.of(owner, auditor)) {
            assertThat(ids(reader, "/api/v2/aibridge/sessions", "sessions.id")).containsExactly("ac-owner-1", "ac-bob-1", "ac-alice-1");
            assertThat(get(reader, "/api/v2/aibridge/interceptions", Map.of()).getLong("count")).isEqualTo(3);
            assertThat(ids(reader, "/api/v2/aibridge/models", "$")).containsExactly("claude-opus-4", "claude-sonnet-4-5", "gpt-5");
            assertThat(ids(reader, "/api/v2/aibridge/clients", "$")).containsExactly("Claude Code", "Codex");
            assertThat(get(reader, "/api/v2/aibridge/usage", Map.of()).getLong("count")).isEqualTo(3);
            reader.request().get("/api/v2/aibridge/sessions/ac-bob-1").then().statusCode(200).body("threads[0].prompt", equalTo("bob"));
        }
    }

    @Test
    void aMemberReadsOnlyTheirOwnRecords() {
        assertThat(ids(alice, "/api/v2/aibridge/sessions", "sessions.id")).containsExactly("ac-alice-1");
        assertThat(get(alice, "/api/v2/aibridge/sessions", Map.of()).getLong("count")).isEqualTo(1);
        assertThat(get(alice, "/api/v2/aibridge/interceptions", Map.of()).getList("results.initiator.username"))
                .containsExactly("ac-alice");
        assertThat(ids(alice, "/api/v2/aibridge/models", "$")).containsExactly("claude-opus-4");
        assertThat(ids(alice, "/api/v2/aibridge/clients", "$")).containsExactly("Claude Code");
        assertThat(get(alice, "/api/v2/aibridge/usage", Map.of()).getList("groups.key")).containsExactly(alice.id().toString());
        alice.request().get("/api/v2/aibridge/sessions/ac-bob-1").then().statusCode(404).body("message", equalTo("Session not found."));
        assertThat(get(alice, "/api/v2/aibridge/sessions", Map.of("session_id", "ac-bob-1")).getLong("count")).isZero();
    }

    @Test
    void anInitiatorFilterNarrowsButNeverWidensAMembersView() {
        assertThat(get(alice, "/api/v2/aibridge/sessions", Map.of("q", "initiator:me")).getList("sessions.id")).containsExactly("ac-alice-1");
        assertThat(get(alice, "/api/v2/aibridge/sessions", Map.of("initiator", "ac-alice")).getList("sessions.id")).containsExactly("ac-alice-1");
        for (String other : List.of("ac-bob", bob.id().toString())) {
            for (String path : List.of("/api/v2/aibridge/sessions", "/api/v2/aibridge/interceptions", "/api/v2/aibridge/usage")) {
                alice.request().queryParam("initiator", other).get(path).then().statusCode(400)
                        .body("validations[0].field", equalTo("initiator"))
                        .body("validations[0].detail", equalTo("user \"" + other + "\" either does not exist, or you are unauthorized to view them"));
            }
        }
    }

    @Test
    void initiatorMeNarrowsAnOwnersView() {
        assertThat(get(owner, "/api/v2/aibridge/sessions", Map.of("q", "me")).getList("sessions.id")).containsExactly("ac-owner-1");
        assertThat(get(auditor, "/api/v2/aibridge/sessions", Map.of("initiator", "ac-bob")).getList("sessions.id")).containsExactly("ac-bob-1");
        assertThat(get(auditor, "/api/v2/aibridge/interceptions", Map.of("initiator", "me")).getLong("count")).isZero();
    }

    private static List<String> ids(TestUser user, String path, String jsonPath) {
        return get(user, path, Map.of()).getList(jsonPath, String.class);
    }

    private static JsonPath get(TestUser user, String path, Map<String, String> params) {
        return user.request().queryParams(params).get(path).then().statusCode(200).extract().jsonPath();
    }
}
