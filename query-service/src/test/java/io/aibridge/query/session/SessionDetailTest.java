package io.aibridge.query.session;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RecordedData;
import io.aibridge.query.fixtures.RecordedData.Recorded;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** One session with its threads: thread paging, per-thread and per-action tokens, agentic actions, visibility. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionDetailTest {

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser owner;
    TestUser alice;
    TestUser bob;
    Recorded ra;
    Recorded ca1;
    Recorded ca2;
    Recorded rb;
    Recorded rc;
    Recorded re;
    Recorded ownersRoot;
    Recorded skewRoot;
    Recorded skewChild;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        RecordedData data = fixture.data;
        owner = fixture.users.create("sd-owner", Role.OWNER);
        alice = fixture.users.create("sd-alice", Role.MEMBER);
        bob = fixture.users.create("sd-bob", Role.MEMBER);

        ra = data.interception(alice.id()).at("2026-03-10T10:00:00Z").clientSessionId("cs-detail").credential("byok", "sk-a...wxyz")
                .prompt("fix the bug").prompt("a later prompt of the same request", Instant.parse("2026-03-10T10:00:03Z"))
                .tokens(100, 10, 500, 20, "{\"cache_ephemeral_5m_input\": 20, \"web_search_requests\": 1,"
                        + " \"nested\": {\"deep\": 2}, \"label\": \"x\", \"ratio\": 1.5, \"flag\": true}")
                .thought("I should read the file").tool("read_file", "{\"path\":\"a.go\"}").save();
        ca1 = data.interception(alice.id()).at("2026-03-10T10:00:05Z").clientSessionId("cs-detail").childOf(ra)
                .tokens(5, 2, 0, 0, "{\"web_search_requests\": 2, \"nested\": {\"deep\": 3}}")
                .thought("now edit it").tool("edit", "{\"path\":\"a.go\"}")
                .injectedTool("search_docs", "{\"q\":\"x\"}", "https://mcp.example.com", "timeout").save();
        ca2 = data.interception(alice.id()).at("2026-03-10T10:00:09Z").clientSessionId("cs-detail").childOf(ca1)
                .tokens(1, 1, 0, 0).save();
        rb = data.interception(alice.id()).at("2026-03-10T11:00:00Z").clientSessionId("cs-detail").model("claude-opus-4")
                .prompt("add tests").tokens(50, 5, 0, 0).save();
        rc = data.interception(alice.id()).at("2026-03-11T09:00:00Z").clientSessionId("cs-detail").prompt("refactor").save();
        data.interception(alice.id()).at("2026-03-11T09:30:00Z").clientSessionId("cs-detail").inFlight().prompt("in flight").save();
        re = data.interception(bob.id()).at("2026-03-10T12:00:00Z").clientSessionId("cs-detail").provider("openai").model("gpt-5")
                .prompt("bob too").tokens(7, 7, 7, 0).save();
        ownersRoot = data.interception(owner.id()).at("2026-03-10T08:00:00Z").prompt("owner's own").save();
        // a loop across two proxies whose clocks differ: the child claims to start 100 ms before its
        // root, which the recorder links all the same (up to a day of skew)
        skewRoot = data.interception(alice.id()).at("2026-03-12T10:00:00.500Z").clientSessionId("cs-skew").prompt("skewed")
                .tokens(100, 10, 0, 0).tool("read_file", "{}").save();
        skewChild = data.interception(alice.id()).at("2026-03-12T10:00:00.400Z").clientSessionId("cs-skew").childOf(skewRoot)
                .tokens(100, 10, 0, 0).tool("edit", "{}").save();
        data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void showsThreadsOldestFirstWithPromptTokensAndAgenticActions() {
        JsonPath body = detail(owner, "cs-detail", Map.of());

        assertThat(body.getString("id")).isEqualTo("cs-detail");
        assertThat(body.getString("initiator.username")).isEqualTo("sd-alice");
        assertThat(body.getList("providers")).containsExactly("anthropic", "openai");
        assertThat(body.getList("models")).containsExactly("claude-opus-4", "claude-sonnet-4-5", "gpt-5");
        assertThat(body.getString("client")).isEqualTo("Claude Code");
        assertThat(body.getString("started_at")).isEqualTo("2026-03-10T10:00:00Z");
        assertThat(body.getString("ended_at")).isEqualTo("2026-03-11T09:00:02Z");
        assertThat(body.getString("page_started_at")).isEqualTo("2026-03-10T10:00:00Z");
        assertThat(body.getString("page_ended_at")).isEqualTo("2026-03-11T09:00:02Z");
        assertThat(body.getMap("token_usage_summary")).isEqualTo(Map.of("input_tokens", 163, "output_tokens", 25,
                "cache_read_input_tokens", 507, "cache_write_input_tokens", 20,
                "metadata", Map.of("cache_ephemeral_5m_input", 20, "web_search_requests", 3, "nested.deep", 5)));
        assertThat(body.getList("threads.id", String.class)).containsExactly(ra.id().toString(), rb.id().toString(),
                re.id().toString(), rc.id().toString());

        Map<String, Object> thread = body.getMap("threads[0]");
        assertThat(thread).containsEntry("prompt", "fix the bug").containsEntry("model", "claude-sonnet-4-5")
                .containsEntry("provider", "anthropic").containsEntry("credential_kind", "byok")
                .containsEntry("credential_hint", "sk-a...wxyz").containsEntry("started_at", "2026-03-10T10:00:00Z")
                .containsEntry("ended_at", "2026-03-10T10:00:11Z")
                .containsEntry("token_usage", Map.of("input_tokens", 106, "output_tokens", 13, "cache_read_input_tokens", 500,
                        "cache_write_input_tokens", 20,
                        "metadata", Map.of("cache_ephemeral_5m_input", 20, "web_search_requests", 3, "nested.deep", 5)));
        // the last interception of the loop made no tool call, so it is no agentic action
        assertThat(body.getList("threads[0].agentic_actions.model")).containsExactly("claude-sonnet-4-5", "claude-sonnet-4-5");
        assertThat(body.getList("threads[0].agentic_actions[0].thinking.text")).containsExactly("I should read the file");
        assertThat(body.getMap("threads[0].agentic_actions[1].token_usage")).containsEntry("input_tokens", 5)
                .containsEntry("metadata", Map.of("web_search_requests", 2, "nested.deep", 3));
        assertThat(body.getList("threads[0].agentic_actions[1].tool_calls.tool")).containsExactly("edit", "search_docs");
        Map<String, Object> injected = body.getMap("threads[0].agentic_actions[1].tool_calls[1]");
        assertThat(injected).containsEntry("interception_id", ca1.id().toString()).containsEntry("injected", true)
                .containsEntry("server_url", "https://mcp.example.com").containsEntry("input", "{\"q\":\"x\"}")
                .containsKeys("id", "provider_response_id", "metadata", "created_at");
        assertThat(body.getString("threads[0].agentic_actions[1].tool_calls[0].server_url")).isEmpty();
        assertThat(body.getList("threads[1].agentic_actions")).isEmpty();
        assertThat(body.getString("threads[1].model")).isEqualTo("claude-opus-4");
    }

    @Test
    void aThreadKeepsAMemberThatClaimsToStartBeforeItsRoot() {
        JsonPath body = detail(owner, "cs-skew", Map.of());

        assertThat(body.getList("threads.id", String.class)).containsExactly(skewRoot.id().toString());
        assertThat(body.getMap("threads[0].token_usage")).containsEntry("input_tokens", 200).containsEntry("output_tokens", 20);
        assertThat(body.getMap("token_usage_summary")).containsEntry("input_tokens", 200);
        assertThat(body.getList("threads[0].agentic_actions.tool_calls.tool")).containsExactlyInAnyOrder(
                List.of("read_file"), List.of("edit"));
    }

    @Test
    void pagesThreadsForwardAndBackwardByCursor() {
        assertThat(threadIds(owner, Map.of("limit", "2"))).containsExactly(ra.id().toString(), rb.id().toString());
        assertThat(threadIds(owner, Map.of("limit", "2", "after_id", rb.id().toString())))
                .containsExactly(re.id().toString(), rc.id().toString());
        assertThat(threadIds(owner, Map.of("limit", "2", "before_id", rc.id().toString())))
                .containsExactly(rb.id().toString(), re.id().toString());
        assertThat(threadIds(owner, Map.of("limit", "2", "after_id", rc.id().toString()))).isEmpty();
        // any interception of the session is a valid position
        assertThat(threadIds(owner, Map.of("after_id", ca1.id().toString())))
                .containsExactly(rb.id().toString(), re.id().toString(), rc.id().toString());

        JsonPath empty = detail(owner, "cs-detail", Map.of("after_id", rc.id().toString()));
        assertThat(empty.getMap("")).doesNotContainKeys("page_started_at", "page_ended_at");
        assertThat(empty.getString("started_at")).isEqualTo("2026-03-10T10:00:00Z");
    }

    @Test
    void aMemberSeesOnlyTheirOwnInterceptionsOfASharedSessionId() {
        JsonPath forAlice = detail(alice, "cs-detail", Map.of());
        assertThat(forAlice.getList("threads.id", String.class)).containsExactly(ra.id().toString(), rb.id().toString(), rc.id().toString());
        assertThat(forAlice.getList("providers")).containsExactly("anthropic");
        assertThat(forAlice.getInt("token_usage_summary.input_tokens")).isEqualTo(156);

        JsonPath forBob = detail(bob, "cs-detail", Map.of());
        assertThat(forBob.getList("threads.id", String.class)).containsExactly(re.id().toString());
        assertThat(forBob.getString("initiator.username")).isEqualTo("sd-bob");
        assertThat(forBob.getString("started_at")).isEqualTo("2026-03-10T12:00:00Z");
    }

    @Test
    void anotherUsersSessionIsNotFoundForAMember() {
        alice.request().get("/api/v2/aibridge/sessions/" + ownersRoot.sessionId())
                .then().statusCode(404).body("message", equalTo("Session not found."));
        owner.request().get("/api/v2/aibridge/sessions/" + ownersRoot.sessionId()).then().statusCode(200)
                .body("threads[0].prompt", equalTo("owner's own"));
    }

    @Test
    void anUnknownSessionIsNotFound() {
        owner.request().get("/api/v2/aibridge/sessions/no-such-session").then().statusCode(404)
                .body("message", equalTo("Session not found."));
    }

    @Test
    void aCursorOutsideTheSessionOrUnknownIsAnInvalidPaginationCursor() {
        owner.request().queryParam("after_id", ownersRoot.id().toString()).get("/api/v2/aibridge/sessions/cs-detail")
                .then().statusCode(400).body("message", equalTo("Invalid pagination cursor."))
                .body("validations[0].field", equalTo("after_id"));
        owner.request().queryParam("before_id", "00000000-0000-4000-8000-00000000abcd").get("/api/v2/aibridge/sessions/cs-detail")
                .then().statusCode(400).body("message", equalTo("Invalid pagination cursor."))
                .body("validations[0].field", equalTo("before_id"));
        // another user's interception is unknown to a member
        alice.request().queryParam("after_id", re.id().toString()).get("/api/v2/aibridge/sessions/cs-detail")
                .then().statusCode(400).body("message", equalTo("Invalid pagination cursor."));
    }

    private List<String> threadIds(TestUser user, Map<String, String> params) {
        return detail(user, "cs-detail", params).getList("threads.id", String.class);
    }

    private static JsonPath detail(TestUser user, String id, Map<String, String> params) {
        return user.request().queryParams(params).get("/api/v2/aibridge/sessions/" + id).then().statusCode(200).extract().jsonPath();
    }
}
