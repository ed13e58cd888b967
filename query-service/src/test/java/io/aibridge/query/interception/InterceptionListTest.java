package io.aibridge.query.interception;

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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The interceptions list: fields and children, each filter, both pagination styles while data arrives. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InterceptionListTest {

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;
    @Inject
    InterceptionRepository repository;

    Fixture fixture;
    RecordedData data;
    TestUser owner;
    TestUser alice;
    TestUser bob;
    Recorded i1;
    Recorded i2;
    Recorded i3;
    Recorded i5;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        data = fixture.data;
        owner = fixture.users.create("il-owner", Role.OWNER);
        alice = fixture.users.create("il-alice", Role.MEMBER);
        bob = fixture.users.create("il-bob", Role.MEMBER);
        i1 = data.interception(alice.id()).at("2026-03-20T10:00:00Z").clientSessionId("cs-il")
                .metadata("{\"Username\": \"il-alice\", \"request_user_agent\": \"claude-cli/2.0.1\"}")
                .prompt("explain this").tokens(10, 20, 30, 40, "{\"web_search_requests\": 1}").thought("thinking hard")
                .injectedTool("lookup", "{\"id\":1}", "https://mcp.example.com/mcp", "connection refused")
                .tokens(1, 2, 3, 4).save();
        i2 = data.interception(alice.id()).at("2026-03-20T10:00:05Z").clientSessionId("cs-il").childOf(i1)
                .tool("bash", "{\"cmd\":\"ls\"}").save();
        i3 = data.interception(bob.id()).at("2026-03-20T11:00:00Z").client("Codex").provider("openai").model("gpt-5")
                .prompt("codex here").save();
        data.interception(alice.id()).at("2026-03-20T12:00:00Z").inFlight().save();
        i5 = data.interception(bob.id()).at("2026-03-21T08:00:00Z").client(null).provider("openai").model("gpt-4o").save();
        data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void returnsEndedInterceptionsNewestFirstWithEverythingRecordedForThem() {
        JsonPath body = list(owner, Map.of());

        assertThat(body.getLong("count")).isEqualTo(4);
        assertThat(body.getList("results.id", String.class)).containsExactly(i5.id().toString(), i3.id().toString(),
                i2.id().toString(), i1.id().toString());
        Map<String, Object> first = body.getMap("results[3]");
        assertThat(first).containsEntry("api_key_id", "testkey").containsEntry("provider", "anthropic")
                .containsEntry("provider_name", "anthropic").containsEntry("model", "claude-sonnet-4-5")
                .containsEntry("client", "Claude Code").containsEntry("started_at", "2026-03-20T10:00:00Z")
                .containsEntry("ended_at", "2026-03-20T10:00:02Z").containsEntry("session_id", "cs-il")
                .containsEntry("credential_kind", "centralized").containsEntry("credential_hint", "sk-a...wxyz")
                .containsEntry("end_status", "completed")
                .containsEntry("metadata", Map.of("Username", "il-alice", "request_user_agent", "claude-cli/2.0.1"))
                .containsEntry("initiator", Map.of("id", alice.id().toString(), "username", "il-alice", "name", alice.name(),
                        "avatar_url", "https://avatars.example.com/il-alice"));
        assertThat(body.getList("results[3].token_usages.input_tokens")).containsExactly(10, 1);
        assertThat(body.getMap("results[3].token_usages[0]")).containsEntry("output_tokens", 20)
                .containsEntry("cache_read_input_tokens", 30).containsEntry("cache_write_input_tokens", 40)
                .containsEntry("metadata", Map.of("web_search_requests", 1)).containsEntry("interception_id", i1.id().toString())
                .containsEntry("created_at", "2026-03-20T10:00:00.2Z") // Go's RFC3339Nano, as the reference writes times
                .containsKeys("id", "provider_response_id");
        assertThat(body.getList("results[3].user_prompts.prompt")).containsExactly("explain this");
        assertThat(body.getList("results[3].user_prompts.created_at")).containsExactly("2026-03-20T10:00:00.1Z");
        assertThat(body.getList("results[3].model_thoughts.content")).containsExactly("thinking hard");
        assertThat(body.getList("results[3].model_thoughts.source")).containsExactly("thinking");
        assertThat(body.getMap("results[3].tool_usages[0]")).containsEntry("tool", "lookup").containsEntry("injected", true)
                .containsEntry("server_url", "https://mcp.example.com/mcp").containsEntry("invocation_error", "connection refused")
                .containsEntry("input", "{\"id\":1}");
        // client tools have no server and no invocation error: empty strings, as in the reference
        assertThat(body.getMap("results[2].tool_usages[0]")).containsEntry("server_url", "").containsEntry("invocation_error", "");
        assertThat(body.getMap("results[2]")).containsEntry("thread_parent_id", i1.id().toString())
                .containsEntry("thread_root_id", i1.id().toString());
        assertThat(body.getList("results[2].user_prompts")).isEmpty();
        assertThat(body.getString("results[0].client")).isEqualTo("Unknown");
    }

    @Test
    void filtersByEachKeyAloneAndCombinedAsParametersAndInQ() {
        Map<String, List<String>> expected = Map.of(
                "initiator=il-bob", List.of(i5.id().toString(), i3.id().toString()),
                "provider=anthropic", List.of(i2.id().toString(), i1.id().toString()),
                "model=gpt-5", List.of(i3.id().toString()),
                "client=Unknown", List.of(i5.id().toString()),
                "client=Codex", List.of(i3.id().toString()),
                "started_after=2026-03-20T10:00:05Z", List.of(i5.id().toString(), i3.id().toString(), i2.id().toString()),
                "started_before=2026-03-20T10:00:05Z", List.of(i2.id().toString(), i1.id().toString()));
        expected.forEach((filter, ids) -> {
            String key = filter.substring(0, filter.indexOf('='));
            String value = filter.substring(filter.indexOf('=') + 1);
            assertThat(ids(owner, Map.of(key, value))).as("param " + filter).containsExactlyElementsOf(ids);
            assertThat(ids(owner, Map.of("q", key + ":\"" + value + "\""))).as("q " + filter).containsExactlyElementsOf(ids);
        });
        assertThat(ids(owner, Map.of("q", "il-bob provider:openai", "model", "gpt-4o"))).containsExactly(i5.id().toString());
        assertThat(ids(owner, Map.of("provider", "openai", "started_after", "2026-03-20T00:00:00Z",
                "started_before", "2026-03-20T23:59:59Z"))).containsExactly(i3.id().toString());
        assertThat(list(owner, Map.of("provider", "openai")).getLong("count")).isEqualTo(2);
    }

    @Test
    void aMemberListsOnlyTheirOwnInterceptions() {
        assertThat(ids(alice, Map.of())).containsExactly(i2.id().toString(), i1.id().toString());
        assertThat(ids(alice, Map.of("q", "initiator:me"))).containsExactly(i2.id().toString(), i1.id().toString());
        assertThat(ids(owner, Map.of("initiator", "me"))).isEmpty();
    }

    @Test
    void aWalkThatAsksForTheCountOnlyOnItsFirstPageCountsOnceAndStillGetsEveryRow() {
        long before = repository.counts();
        JsonPath first = list(owner, Map.of("limit", "2"));
        assertThat(first.getLong("count")).isEqualTo(4);
        List<String> seen = new ArrayList<>(first.getList("results.id", String.class));
        for (int page = 2; page <= 3; page++) {
            String body = owner.request().queryParam("limit", 2).queryParam("after_id", seen.get(seen.size() - 1))
                    .queryParam("include_count", "false").get("/api/v2/aibridge/interceptions").then().statusCode(200)
                    .extract().asString();
            JsonPath next = JsonPath.from(body);
            assertThat(next.getMap("")).as("page " + page).doesNotContainKey("count");
            seen.addAll(next.getList("results.id", String.class));
        }
        assertThat(repository.counts() - before).isEqualTo(1);
        assertThat(seen).containsExactly(i5.id().toString(), i3.id().toString(), i2.id().toString(), i1.id().toString());

        // the default stays the reference's: counted on every page
        assertThat(list(owner, Map.of("limit", "2", "after_id", i3.id().toString())).getLong("count")).isEqualTo(4);
        assertThat(list(owner, Map.of("include_count", "true")).getLong("count")).isEqualTo(4);
        assertThat(repository.counts() - before).isEqualTo(3);
    }

    @Test
    void includeCountTakesOnlyTrueOrFalse() {
        owner.request().queryParam("include_count", "no").get("/api/v2/aibridge/interceptions").then().statusCode(400)
                .body("message", org.hamcrest.Matchers.equalTo("Query parameter has invalid value."))
                .body("validations[0].field", org.hamcrest.Matchers.equalTo("include_count"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void walksEveryPageByCursorWithoutGapsOrRepeatsWhileNewInterceptionsArrive() {
        TestUser walker = fixture.users.create("il-walker", Role.MEMBER);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 19; i++) {
            // several interceptions share a start time: the id breaks the tie
            expected.add(data.interception(walker.id()).at(Instant.parse("2026-03-22T00:00:00Z").plusSeconds(i / 3)).save().id().toString());
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 20; page++) {
            var request = walker.request().queryParam("limit", 4);
            if (cursor != null) {
                request.queryParam("after_id", cursor);
            }
            List<String> ids = request.get("/api/v2/aibridge/interceptions").then().statusCode(200).extract().jsonPath()
                    .getList("results.id", String.class);
            seen.addAll(ids);
            data.interception(walker.id()).at(Instant.parse("2026-03-23T00:00:00Z").plusSeconds(page)).save();
            data.interception(walker.id()).at(Instant.parse("2026-03-22T00:00:01Z")).inFlight().save();
            data.interception(bob.id()).at(Instant.parse("2026-03-22T00:00:02Z")).save();
            if (ids.isEmpty()) {
                break;
            }
            cursor = ids.get(ids.size() - 1);
        }
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void walksEveryPageByOffsetWithoutGapsOrRepeatsWhenPinnedToItsStartTime() {
        TestUser walker = fixture.users.create("il-offset-walker", Role.MEMBER);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 13; i++) {
            expected.add(data.interception(walker.id()).at(Instant.parse("2026-03-24T00:00:00Z").plusSeconds(i)).save().id().toString());
        }
        List<String> seen = new ArrayList<>();
        for (int offset = 0; offset < 100; offset += 5) {
            List<String> ids = walker.request().queryParam("limit", 5).queryParam("offset", offset)
                    .queryParam("q", "started_before:\"2026-03-24T01:00:00Z\"")
                    .get("/api/v2/aibridge/interceptions").then().statusCode(200).extract().jsonPath().getList("results.id", String.class);
            seen.addAll(ids);
            data.interception(walker.id()).at(Instant.parse("2026-03-24T02:00:00Z").plusSeconds(offset)).save();
            data.interception(walker.id()).at(Instant.parse("2026-03-24T00:00:03Z")).inFlight().save();
            if (ids.isEmpty()) {
                break;
            }
        }
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    private static List<String> ids(TestUser user, Map<String, String> params) {
        return list(user, params).getList("results.id", String.class);
    }

    private static JsonPath list(TestUser user, Map<String, String> params) {
        return user.request().queryParams(params).get("/api/v2/aibridge/interceptions").then().statusCode(200).extract().jsonPath();
    }
}
