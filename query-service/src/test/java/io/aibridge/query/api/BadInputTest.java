package io.aibridge.query.api;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RawHttp;
import io.aibridge.query.fixtures.RecordedData.Recorded;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * Every bad input answers 400 with {message, detail, validations[{field, detail}]} naming the field,
 * with the reference's messages where it has them; values that look like SQL are only values; and
 * no input at all produces a 5xx.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    static final String SESSIONS = "/api/v2/aibridge/sessions";
    static final String INTERCEPTIONS = "/api/v2/aibridge/interceptions";

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser owner;
    Recorded root;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        owner = fixture.users.create("bi-owner", Role.OWNER);
        root = fixture.data.interception(owner.id()).at("2026-07-01T10:00:00Z").clientSessionId("bi-session").prompt("hi").save();
        fixture.data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void limitsOutOfRangeUseTheReferenceMessage() {
        for (String path : List.of(SESSIONS, INTERCEPTIONS, "/api/v2/aibridge/models", "/api/v2/aibridge/clients", "/api/v2/aibridge/usage")) {
            for (String limit : List.of("0", "1001", "-1", "abc", "1.5", "99999999999")) {
                bad(path, Map.of("limit", limit)).body("message", equalTo("Invalid pagination limit value."))
                        .body("detail", equalTo("Pagination limit must be in range (0, 1000]"))
                        .body("validations[0].field", equalTo("limit"));
            }
        }
        bad(SESSIONS + "/bi-session", Map.of("limit", "201")).body("message", equalTo("Invalid pagination limit value."))
                .body("detail", equalTo("Pagination limit must be in range (0, 200]"));
        owner.request().queryParam("limit", "1000").get(SESSIONS).then().statusCode(200);
        owner.request().queryParam("limit", "200").get(SESSIONS + "/bi-session").then().statusCode(200);
    }

    @Test
    void anOffsetWithACursorIsRejected() {
        bad(SESSIONS, Map.of("offset", "5", "after_session_id", "bi-session"))
                .body("message", equalTo("Query parameters have invalid values."))
                .body("detail", equalTo("Cannot use both after_session_id and offset pagination in the same request."));
        bad(SESSIONS, Map.of("offset", "5", "after_session_id", "bi-session", "after_initiator_id", owner.id().toString()))
                .body("detail", equalTo("Cannot use both after_session_id and offset pagination in the same request."));
        bad(SESSIONS, Map.of("offset", "5", "after_initiator_id", owner.id().toString()))
                .body("message", equalTo("Query parameters have invalid values."))
                .body("validations[0].field", equalTo("offset"))
                .body("detail", equalTo("Cannot use both after_initiator_id and offset pagination in the same request."));
        bad(INTERCEPTIONS, Map.of("offset", "5", "after_id", root.id().toString()))
                .body("detail", equalTo("Cannot use both after_id and offset pagination in the same request."));
        bad(SESSIONS, Map.of("offset", "-3")).body("validations[0].field", equalTo("offset"));
        bad(SESSIONS + "/bi-session", Map.of("after_id", root.id().toString(), "before_id", root.id().toString()))
                .body("message", equalTo("Cannot use both after_id and before_id pagination in the same request."));
    }

    @Test
    void unknownOrMalformedCursorsAreRejected() {
        bad(SESSIONS, Map.of("after_session_id", "no-such-session")).body("message", equalTo("Query parameter has invalid value."))
                .body("detail", equalTo("after_session_id: session \"no-such-session\" not found"))
                .body("validations[0].field", equalTo("after_session_id"));
        bad(INTERCEPTIONS, Map.of("after_id", "7d1c2f4e-0000-4000-8000-000000000000")).body("message", equalTo("Invalid pagination cursor."));
        bad(SESSIONS, Map.of("after_session_id", "bi-session", "after_initiator_id", "7d1c2f4e-0000-4000-8000-000000000000"))
                .body("message", equalTo("Query parameter has invalid value."))
                .body("detail", equalTo("after_initiator_id: session \"bi-session\" of user \"7d1c2f4e-0000-4000-8000-000000000000\" not found"))
                .body("validations[0].field", equalTo("after_initiator_id"));
        bad(SESSIONS, Map.of("after_session_id", "no-such-session", "after_initiator_id", owner.id().toString()))
                .body("detail", equalTo("after_session_id: session \"no-such-session\" not found"))
                .body("validations[0].field", equalTo("after_session_id"));
        for (String malformed : List.of("not-a-uuid", "1-1-1-1-1", "bi-owner")) {
            bad(SESSIONS, Map.of("after_session_id", "bi-session", "after_initiator_id", malformed))
                    .body("message", equalTo("Query parameter has invalid value."))
                    .body("validations[0].field", equalTo("after_initiator_id"))
                    .body("detail", startsWith("Query parameter \"after_initiator_id\" must be a user UUID"));
        }
        bad(SESSIONS, Map.of("after_initiator_id", owner.id().toString())).body("validations[0].field", equalTo("after_initiator_id"))
                .body("detail", equalTo("Query parameter \"after_initiator_id\" needs after_session_id: together they name the last"
                        + " session of the previous page"));
        owner.request().queryParam("after_session_id", "bi-session").queryParam("after_initiator_id", owner.id().toString())
                .get(SESSIONS).then().statusCode(200).body("count", equalTo(1)).body("sessions", empty());
        bad(INTERCEPTIONS, Map.of("after_id", "not-a-uuid")).body("message", equalTo("Invalid pagination cursor."))
                .body("validations[0].field", equalTo("after_id"));
        bad(INTERCEPTIONS, Map.of("after_id", "1-1-1-1-1")).body("validations[0].field", equalTo("after_id"));
        bad(SESSIONS + "/bi-session", Map.of("before_id", "zzz")).body("message", equalTo("Invalid pagination cursor."));
    }

    @Test
    void badSearchQueriesNameTheField() {
        Map<String, String> messages = Map.of(SESSIONS, "Invalid session search query.", INTERCEPTIONS, "Invalid interception search query.",
                "/api/v2/aibridge/usage", "Invalid usage query.");
        messages.forEach((path, message) -> {
            bad(path, Map.of("q", "colour:blue")).body("message", equalTo(message)).body("validations[0].field", equalTo("colour"))
                    .body("validations[0].detail", startsWith("\"colour\" is not a valid search key"));
            bad(path, Map.of("q", "started_after:yesterday")).body("validations[0].field", equalTo("started_after"));
            bad(path, Map.of("started_before", "2026-02-30T00:00:00Z")).body("validations[0].field", equalTo("started_before"));
            bad(path, Map.of("started_after", "2026-03-01")).body("validations[0].field", equalTo("started_after"));
            bad(path, Map.of("q", "started_after:\"2026-03-02T00:00:00Z\" started_before:\"2026-03-01T00:00:00Z\""))
                    .body("validations[0].field", equalTo("started_before"))
                    .body("validations[0].detail", equalTo("Query param \"started_before\" has invalid value: \"started_before\" must be after \"started_after\" if set"));
            bad(path, Map.of("started_after", "2026-03-01T00:00:00Z", "started_before", "2026-03-01T00:00:00Z"))
                    .body("validations[0].field", equalTo("started_before"));
            bad(path, Map.of("q", "initiator:nobody")).body("validations[0].field", equalTo("initiator"))
                    .body("validations[0].detail", equalTo("user \"nobody\" either does not exist, or you are unauthorized to view them"));
            bad(path, Map.of("initiator", "00000000-0000-4000-8000-00000000dead")).body("validations[0].field", equalTo("initiator"));
            bad(path, Map.of("q", "provider:")).body("validations[0].field", equalTo("q"));
            bad(path, Map.of("q", "started_after:2026-03-01T00:00:00Z")).body("validations[0].detail", containsString("can only contain 1 ':'"));
            bad(path, Map.of("q", "model:\"unterminated")).body("validations[0].detail", equalTo("Query has an unterminated double quote"));
            bad(path, Map.of("q", "model:a model:b")).body("validations[0].detail", containsString("only once"));
            bad(path, Map.of("q", "model:a", "model", "b")).body("validations[0].field", equalTo("model"));
            bad(path, Map.of("q", "model:\"\"")).body("validations[0].field", equalTo("model"));
            // several problems are reported together
            bad(path, Map.of("q", "colour:blue started_after:nope")).body("validations.field", hasItem("colour"))
                    .body("validations.field", hasItem("started_after"));
        });
        bad("/api/v2/aibridge/models", Map.of("q", "client:x")).body("message", equalTo("Invalid models search query."));
        // session_id is a sessions-list key only
        bad(INTERCEPTIONS, Map.of("q", "session_id:bi-session")).body("message", equalTo("Invalid interception search query."))
                .body("validations[0].field", equalTo("session_id"))
                .body("validations[0].detail", equalTo("\"session_id\" is not a valid search key; valid keys are client, initiator,"
                        + " model, provider, started_after, started_before"));
        bad(INTERCEPTIONS, Map.of("session_id", "bi-session")).body("validations[0].field", equalTo("session_id"))
                .body("validations[0].detail", containsString("not a valid query parameter"));
        bad("/api/v2/aibridge/clients", Map.of("q", "model:x")).body("message", equalTo("Invalid clients search query."));
    }

    @Test
    void unknownRepeatedOversizedAndControlCharacterParametersAreRejected() {
        bad(SESSIONS, Map.of("provder", "openai")).body("validations[0].field", equalTo("provder"))
                .body("validations[0].detail", containsString("not a valid query parameter"));
        given().header("Authorization", "Bearer " + owner.token()).get(SESSIONS + "?provider=a&provider=b").then().statusCode(400)
                .body("validations[0].detail", containsString("only once"));
        bad(SESSIONS, Map.of("model", "m".repeat(257))).body("validations[0].field", equalTo("model"))
                .body("validations[0].detail", containsString("at most 256"));
        bad(SESSIONS, Map.of("q", "x".repeat(2049))).body("validations[0].field", equalTo("q"));
        bad(SESSIONS, Map.of("client", "a\u0000b")).body("validations[0].detail", containsString("control characters"));
        bad(SESSIONS + "/" + "s".repeat(300), Map.of()).body("validations[0].field", equalTo("id"));
        bad("/api/v2/aibridge/usage", Map.of("group_by", "team")).body("validations[0].field", equalTo("group_by"))
                .body("validations[0].detail", equalTo("Query parameter \"group_by\" must be one of user, model, client, provider"));
        bad("/api/v2/aibridge/usage", Map.of("order_by", "cost")).body("validations[0].field", equalTo("order_by"));
        owner.request().queryParam("session_id", "x".repeat(256)).get(SESSIONS).then().statusCode(200).body("count", equalTo(0));
    }

    @Test
    void valuesThatLookLikeSqlAreJustValues() {
        String[] injections = {"' OR '1'='1", "x'); DROP TABLE aibridge_sessions; --", "\" OR 1=1 --", "%' --", "anthropic' --",
                "1; SELECT pg_sleep(10)"};
        for (String value : injections) {
            for (String key : List.of("provider", "model", "client", "session_id")) {
                owner.request().queryParam(key, value).get(SESSIONS).then().statusCode(200).body("count", equalTo(0));
            }
            for (String key : List.of("provider", "model", "client")) {
                owner.request().queryParam(key, value).get(INTERCEPTIONS).then().statusCode(200).body("count", equalTo(0));
            }
            owner.request().queryParam("q", "model:\"" + value.replace("\"", "\\\"") + "\"").get(SESSIONS).then().statusCode(200)
                    .body("count", equalTo(0));
            bad(SESSIONS, Map.of("initiator", value)).body("validations[0].field", equalTo("initiator"));
            owner.request().get(SESSIONS + "/" + URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"))
                    .then().statusCode(404);
            owner.request().queryParam("model", value).get("/api/v2/aibridge/models").then().statusCode(200);
        }
        owner.request().get(SESSIONS).then().statusCode(200).body("count", equalTo(1));
    }

    @Test
    void invalidAdminBodiesNameTheField() {
        Map<String, String> bodies = new java.util.LinkedHashMap<>();
        bodies.put("{", "body");
        bodies.put("[]", "body");
        bodies.put("\"alice\"", "body");
        bodies.put("", "body");
        bodies.put("{}", "username");
        bodies.put("{\"username\": 42}", "username");
        bodies.put("{\"username\": \"has space\"}", "username");
        bodies.put("{\"username\": \"me\"}", "username");
        bodies.put("{\"username\": \"" + java.util.UUID.randomUUID() + "\"}", "username");
        bodies.put("{\"username\": \"" + "u".repeat(65) + "\"}", "username");
        bodies.put("{\"username\": \"bi-x\", \"role\": \"admin\"}", "role");
        bodies.put("{\"username\": \"bi-x\", \"status\": \"deleted\"}", "status");
        bodies.put("{\"username\": \"bi-x\", \"email\": \"not-an-email\"}", "email");
        bodies.put("{\"username\": \"bi-x\", \"avatar_url\": \"javascript:alert(1)\"}", "avatar_url");
        bodies.put("{\"username\": \"bi-x\", \"name\": \"" + "n".repeat(129) + "\"}", "name");
        bodies.put("{\"username\": \"bi-x\", \"is_admin\": true}", "is_admin");
        bodies.put("{\"username\": \"bi-x\", \"name\": \"a\\u0000b\"}", "name");
        bodies.put("{\"username\": \"bi-x\", \"username\": \"bi-y\"}", "body");
        bodies.put("[".repeat(5000) + "]".repeat(5000), "body");
        bodies.forEach((body, field) -> owner.request().contentType("application/json").body(body).post("/api/v2/users")
                .then().statusCode(400).body("message", equalTo("Invalid request body.")).body("validations.field", hasItem(field)));
        owner.request().contentType("application/json").body("{\"role\": 7}").patch("/api/v2/users/bi-owner")
                .then().statusCode(400).body("validations[0].field", equalTo("role"));
        owner.request().contentType("text/plain").body("username=x").post("/api/v2/users").then().statusCode(415);

        Map<String, String> keyBodies = Map.of("{\"expires_at\": \"tomorrow\"}", "expires_at",
                "{\"expires_at\": \"2020-01-01T00:00:00Z\"}", "expires_at", "{\"scopes\": [\"all\"]}", "scopes",
                "{\"name\": []}", "name", "nope", "body");
        keyBodies.forEach((body, field) -> owner.request().contentType("application/json").body(body).post("/api/v2/users/me/keys")
                .then().statusCode(400).body("validations.field", hasItem(field)));
        owner.request().get("/api/v2/users/" + "u".repeat(300)).then().statusCode(400).body("validations[0].field", equalTo("user"));
        owner.request().get("/api/v2/users/me?verbose=true").then().statusCode(400);
    }

    @Test
    void noInputProducesAServerError() {
        // sent byte for byte: raw spaces, quotes and malformed escapes included
        List<String> corpus = new ArrayList<>(List.of("", " ", "'", "\"", "\\", "%", "%%", "%ZZ", "%00", "%C3%28", "%ED%A0%80",
                "%F0%9F%98%80", "%E2%80%AE", "..%2F..%2Fetc%2Fpasswd", "%24%7Bjndi%3Aldap%3A%2F%2Fx%7D", "%3Cscript%3E",
                "1e309", "-0", "99999999999999999999", "NaN", "null", "%5B%5D", "%7B%7D", "true", "2026-13-45T99%3A99%3A99Z",
                "0000-00-00T00%3A00%3A00Z", "%2B999999999-12-31T23%3A59%3A59Z", "9999-12-31T23%3A59%3A59.999999999Z",
                "0001-01-01T00%3A00%3A00Z", "me", "%22me%22", "a%3Ab%3Ac", "initiator%3A", "%3Aprovider", "%0A%0D",
                "%09", "x".repeat(5000), "%E2%80%8B", "SELECT%20*%20FROM%20aibridge_users", "%27%3B--"));
        List<String> params = List.of("q", "limit", "offset", "after_session_id", "after_initiator_id", "after_id", "before_id", "initiator", "provider",
                "model", "client", "session_id", "started_after", "started_before", "group_by", "order_by", "zzz");
        List<String> paths = List.of(SESSIONS, SESSIONS + "/bi-session", INTERCEPTIONS, "/api/v2/aibridge/models",
                "/api/v2/aibridge/clients", "/api/v2/aibridge/usage", "/api/v2/users", "/api/v2/users/me", "/api/v2/users/me/keys");
        List<String> failures = new ArrayList<>();
        for (String path : paths) {
            for (String param : params) {
                for (String value : corpus) {
                    check(failures, "GET", path + "?" + param + "=" + value, null);
                }
            }
            check(failures, "POST", path, "{}");
            check(failures, "PUT", path, "{}");
        }
        for (String value : corpus) {
            if (!value.isEmpty()) {
                check(failures, "GET", SESSIONS + "/" + value, null);
                check(failures, "GET", "/api/v2/users/" + value, null);
                check(failures, "GET", "/api/v2/users/me/keys/" + value, null);
                check(failures, "DELETE", "/api/v2/users/bi-owner/keys/" + value, null);
                check(failures, "PATCH", "/api/v2/users/" + value, "{}");
            }
        }
        for (String body : List.of("{", "null", "0", "{\"username\": null}", "{\"username\": {\"a\": 1}}", "{\"username\": [\"a\"]}",
                "{\"email\": 5}", "\uFEFF{}", "{\"username\": \"" + "\\ud800" + "\"}", "x".repeat(100_000))) {
            check(failures, "POST", "/api/v2/users", body);
            check(failures, "PATCH", "/api/v2/users/bi-owner", body);
            check(failures, "POST", "/api/v2/users/bi-owner/keys", body);
        }
        for (String header : List.of("Bearer", "Bearer ", "Bearer a b", "bearer " + "x".repeat(4000), "Bearer aib_", "Bearer aib__",
                "Bearer aib_x_", "Bearer aib_" + "x".repeat(100) + "_y")) {
            RawHttp.Reply r = RawHttp.send("GET", SESSIONS, header, null);
            if (r.status() < 200 || r.status() >= 500) {
                failures.add("Authorization " + header.substring(0, Math.min(40, header.length())) + " -> " + r.status());
            }
        }
        assertThat(failures).isEmpty();
        owner.request().get(SESSIONS).then().statusCode(200).body("count", equalTo(1));
    }

    private void check(List<String> failures, String method, String url, String body) {
        RawHttp.Reply reply = RawHttp.send(method, url, "Bearer " + owner.token(), body);
        int status = reply.status();
        String text = reply.text();
        if (status < 200 || status >= 500 || text.contains("Exception") || text.contains("\tat ")) {
            failures.add(method + " " + url.substring(0, Math.min(120, url.length())) + " -> " + status + " " + text.substring(0, Math.min(200, text.length())));
        }
    }

    private ValidatableResponse bad(String path, Map<String, String> params) {
        return owner.request().queryParams(params).get(path).then().statusCode(400)
                .body("message", not(equalTo(null))).body("validations", not(equalTo(null)));
    }
}
