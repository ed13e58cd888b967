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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The sessions list over data written in the recorder's schema: summary fields, every filter alone
 * and combined (as parameters and as q), the fields computed over the matching interceptions, and
 * both pagination styles walking every page while new data arrives.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionListTest {

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;
    @Inject
    SessionRepository repository;

    Fixture fixture;
    RecordedData data;
    TestUser owner;
    TestUser alice;
    TestUser bob;
    TestUser ghost;
    Recorded s1Root;
    Recorded s3Root;
    UUID stranger = UUID.randomUUID();
    String strangerSession;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        data = fixture.data;
        owner = fixture.users.create("sl-owner", Role.OWNER);
        alice = fixture.users.create("sl-alice", Role.MEMBER);
        bob = fixture.users.create("sl-bob", Role.MEMBER);
        ghost = fixture.users.create("sl-ghost", Role.MEMBER, false);

        // S1: alice, two threads, a tool loop in the first, two models
        s1Root = data.interception(alice.id()).at("2026-03-02T10:00:00Z").clientSessionId("cs-alice-1")
                .prompt("first prompt").tokens(100, 20, 1000, 50, "{\"cache_ephemeral_5m_input\": 50}").save();
        Recorded c1 = data.interception(alice.id()).at("2026-03-02T10:00:05Z").clientSessionId("cs-alice-1").childOf(s1Root)
                .tool("bash", "{\"command\":\"ls\"}").thought("list the files").tokens(10, 5, 0, 0).save();
        data.interception(alice.id()).at("2026-03-02T10:00:10Z").clientSessionId("cs-alice-1").childOf(c1)
                .tokens(1, 1, 0, 0).save();
        data.interception(alice.id()).at("2026-03-02T11:00:00Z").clientSessionId("cs-alice-1").model("claude-opus-4")
                .prompt("second prompt").tokens(200, 40, 0, 0).save();
        // S2: alice, one OpenAI and one Anthropic interception (combined filters must match one interception)
        data.interception(alice.id()).at("2026-03-03T09:00:00Z").clientSessionId("cs-alice-2").client("Codex")
                .provider("openai").model("gpt-5").prompt("codex prompt").tokens(7, 3, 0, 0).save();
        data.interception(alice.id()).at("2026-03-03T09:05:00Z").clientSessionId("cs-alice-2").client("Codex")
                .provider("anthropic").model("claude-haiku-4-5").tokens(1, 1, 0, 0).save();
        // S3: bob, no client detected, no client session id: the root's id is the session id
        s3Root = data.interception(bob.id()).at("2026-03-04T08:00:00Z").client(null).provider("openai").model("gpt-4o")
                .prompt("bob asks").save();
        // S4, S5: invisible (in flight; end stored before start)
        data.interception(bob.id()).at("2026-03-04T09:00:00Z").clientSessionId("cs-bob-inflight").inFlight().prompt("x").save();
        data.interception(bob.id()).at("2026-03-04T09:30:00Z").clientSessionId("cs-bob-startless").startless().save();
        // S6: alice, spans several days
        data.interception(alice.id()).at("2026-03-01T23:00:00Z").clientSessionId("cs-alice-3").prompt("late night").save();
        data.interception(alice.id()).at("2026-03-04T12:00:00Z").clientSessionId("cs-alice-3").prompt("days later",
                Instant.parse("2026-03-04T12:00:01Z")).save();
        // S7: a user without a users row, and S8: a user nobody knows
        data.interception(ghost.id()).at("2026-03-02T07:00:00Z").clientSessionId("cs-ghost").save();
        Recorded strangers = data.interception(stranger).at("2026-03-02T06:00:00Z").save();
        strangerSession = strangers.sessionId();
        data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void listsVisibleSessionsMostRecentlyActiveFirstWithEverySummaryField() {
        JsonPath body = owner.request().get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath();

        assertThat(body.getLong("count")).isEqualTo(6);
        assertThat(body.getList("sessions.id", String.class)).containsExactly(
                "cs-alice-3", s3Root.id().toString(), "cs-alice-2", "cs-alice-1", "cs-ghost", strangerSession);
        Map<String, Object> s1 = session(body, "cs-alice-1");
        assertThat(s1).containsEntry("providers", List.of("anthropic"))
                .containsEntry("models", List.of("claude-opus-4", "claude-sonnet-4-5"))
                .containsEntry("client", "Claude Code")
                .containsEntry("started_at", "2026-03-02T10:00:00Z")
                .containsEntry("ended_at", "2026-03-02T11:00:02Z")
                .containsEntry("threads", 2)
                .containsEntry("last_prompt", "second prompt")
                .containsEntry("last_active_at", "2026-03-02T11:00:00.1Z")
                .containsEntry("metadata", Map.of("request_user_agent", "claude-cli/2.0.1 (external, cli)"))
                .containsEntry("token_usage_summary", Map.of("input_tokens", 311, "output_tokens", 66,
                        "cache_read_input_tokens", 1000, "cache_write_input_tokens", 50));
        assertThat(s1.get("initiator")).isEqualTo(Map.of("id", alice.id().toString(), "username", "sl-alice",
                "name", alice.name(), "avatar_url", "https://avatars.example.com/sl-alice"));
    }

    @Test
    void neverShowsInterceptionsThatHaveNotEndedOrWhoseStartIsMissing() {
        JsonPath body = owner.request().queryParam("initiator", "sl-bob").get("/api/v2/aibridge/sessions")
                .then().statusCode(200).extract().jsonPath();

        assertThat(body.getList("sessions.id", String.class)).containsExactly(s3Root.id().toString());
        assertThat(body.getLong("count")).isEqualTo(1);
    }

    @Test
    void readsAMissingClientAsUnknownInTheListAndTheDetail() {
        Map<String, Object> s3 = session(list(Map.of("client", "Unknown")), s3Root.id().toString());
        JsonPath detail = owner.request().get("/api/v2/aibridge/sessions/" + s3Root.id()).then().statusCode(200).extract().jsonPath();

        assertThat(s3).containsEntry("client", "Unknown").containsEntry("last_prompt", "bob asks").containsEntry("threads", 1);
        assertThat(detail.getString("client")).isEqualTo("Unknown");
    }

    // adds a session, so it runs after the tests that count the base data set
    @Test
    @Order(Integer.MAX_VALUE)
    void readsAnEmptyClientAsUnknownInTheListAndTheDetail() {
        data.interception(bob.id()).at("2026-03-12T08:00:00Z").clientSessionId("sl-empty-client").client("").save();
        data.refreshSessions();

        Map<String, Object> session = session(list(Map.of("session_id", "sl-empty-client")), "sl-empty-client");
        JsonPath detail = owner.request().get("/api/v2/aibridge/sessions/sl-empty-client").then().statusCode(200).extract().jsonPath();

        assertThat(session).containsEntry("client", "Unknown");
        assertThat(detail.getString("client")).isEqualTo("Unknown");
    }

    // adds a session, so it runs after the tests that count the base data set
    @Test
    @Order(Integer.MAX_VALUE)
    void aSummaryThatLeavesModelsOutIsNeverReadAsOneModelInEveryInterception() {
        // Schema V48: a summary keeps at most 1,024 bytes of models, shortest first. Of a 300-byte
        // and a 768-byte model it keeps the first only, yet the Codex interception has the other.
        TestUser mallory = fixture.users.create("sl-mallory", Role.MEMBER);
        String kept = cjk(100);
        String left = cjk(256);
        data.interception(mallory.id()).at("2026-03-13T08:00:00Z").clientSessionId("sl-bounded").model(kept).save();
        data.interception(mallory.id()).at("2026-03-13T08:01:00Z").clientSessionId("sl-bounded").client("Codex").model(left).save();
        data.refreshSessions();

        assertThat(session(list(Map.of("session_id", "sl-bounded")), "sl-bounded")).containsEntry("models", List.of(kept));
        assertThat(ids(Map.of("model", kept))).containsExactly("sl-bounded");
        assertThat(ids(Map.of("model", kept, "client", "Claude Code"))).containsExactly("sl-bounded");
        assertThat(ids(Map.of("model", kept, "client", "Codex"))).as("no interception has both").isEmpty();
        assertThat(ids(Map.of("model", kept, "started_after", "2026-03-13T08:00:30Z"))).as("nor started then").isEmpty();
        // the documented limit: the sessions list does not find a session by a model its summary left out
        assertThat(ids(Map.of("model", left))).isEmpty();
        // the interceptions list and the member's models list do
        assertThat(owner.request().queryParam("model", left).get("/api/v2/aibridge/interceptions").then().statusCode(200)
                .extract().jsonPath().getList("results.model", String.class)).containsExactly(left);
        assertThat(mallory.request().get("/api/v2/aibridge/models").then().statusCode(200).extract().jsonPath()
                .getList("$", String.class)).containsExactlyInAnyOrder(kept, left);
    }

    /** Random CJK characters, three bytes each in UTF-8. */
    private static String cjk(int characters) {
        java.util.Random random = new java.util.Random(characters);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < characters; i++) {
            text.appendCodePoint(0x4E00 + random.nextInt(0x5000));
        }
        return text.toString();
    }

    @Test
    void fallsBackToTheIdentityStoreWhenAUserRowIsMissingAndToTheBareIdWhenNobodyKnowsTheUser() {
        JsonPath body = list(Map.of());

        assertThat(session(body, "cs-ghost").get("initiator")).isEqualTo(Map.of("id", ghost.id().toString(),
                "username", "sl-ghost", "name", ghost.name(), "avatar_url", "https://avatars.example.com/sl-ghost"));
        assertThat(session(body, strangerSession).get("initiator")).isEqualTo(Map.of("id", stranger.toString(),
                "username", "", "name", "", "avatar_url", ""));
    }

    @Test
    void filtersByEachKeyAloneAsAParameterAndInQ() {
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("initiator=sl-alice", List.of("cs-alice-3", "cs-alice-2", "cs-alice-1")),
                Map.entry("initiator=" + bob.id(), List.of(s3Root.id().toString())),
                Map.entry("provider=openai", List.of(s3Root.id().toString(), "cs-alice-2")),
                Map.entry("model=claude-opus-4", List.of("cs-alice-1")),
                Map.entry("client=Codex", List.of("cs-alice-2")),
                Map.entry("client=Unknown", List.of(s3Root.id().toString())),
                Map.entry("session_id=cs-alice-2", List.of("cs-alice-2")),
                Map.entry("started_after=2026-03-03T09:05:00Z", List.of("cs-alice-3", s3Root.id().toString(), "cs-alice-2")),
                Map.entry("started_before=2026-03-02T07:00:00Z", List.of("cs-alice-3", "cs-ghost", strangerSession)));
        expected.forEach((filter, ids) -> {
            String key = filter.substring(0, filter.indexOf('='));
            String value = filter.substring(filter.indexOf('=') + 1);
            assertThat(list(Map.of(key, value)).getList("sessions.id", String.class)).as("param " + filter).containsExactlyElementsOf(ids);
            assertThat(list(Map.of("q", key + ":\"" + value + "\"")).getList("sessions.id", String.class)).as("q " + filter)
                    .containsExactlyElementsOf(ids);
            assertThat(list(Map.of(key, value)).getLong("count")).as("count " + filter).isEqualTo(ids.size());
        });
    }

    @Test
    void combinedFiltersMustMatchOneAndTheSameInterception() {
        assertThat(ids(Map.of("provider", "anthropic", "model", "gpt-5"))).isEmpty();
        assertThat(ids(Map.of("q", "provider:openai model:gpt-5"))).containsExactly("cs-alice-2");
        assertThat(ids(Map.of("q", "client:Codex provider:anthropic", "model", "claude-haiku-4-5"))).containsExactly("cs-alice-2");
        assertThat(ids(Map.of("q", "sl-alice provider:anthropic started_after:\"2026-03-02T10:30:00Z\""
                + " started_before:\"2026-03-03T23:00:00Z\""))).containsExactly("cs-alice-2", "cs-alice-1");
        assertThat(ids(Map.of("provider", "openai", "started_after", "2026-03-03T09:01:00Z", "started_before", "2026-03-03T23:00:00Z")))
                .isEmpty();
    }

    @Test
    void readsATimeWithMoreThanNineFractionDigitsAsItsFirstNine() {
        List<String> nine = ids(Map.of("started_after", "2026-03-03T09:05:00.123456789Z"));
        assertThat(nine).isNotEmpty();
        assertThat(ids(Map.of("started_after", "2026-03-03T09:05:00.1234567891Z"))).containsExactlyElementsOf(nine);
        assertThat(ids(Map.of("q", "started_after:\"2026-03-03T09:05:00.1234567891Z\""))).containsExactlyElementsOf(nine);
    }

    @Test
    void aTimeRangeBetweenTheInterceptionsOfASessionDoesNotMatchIt() {
        assertThat(ids(Map.of("session_id", "cs-alice-3", "started_after", "2026-03-02T00:00:00Z",
                "started_before", "2026-03-04T00:00:00Z"))).isEmpty();
    }

    @Test
    void computesStartEndAndThreadsOverTheMatchingInterceptionsOnly() {
        Map<String, Object> late = session(list(Map.of("started_after", "2026-03-04T00:00:00Z", "initiator", "sl-alice")), "cs-alice-3");
        assertThat(late).containsEntry("started_at", "2026-03-04T12:00:00Z").containsEntry("ended_at", "2026-03-04T12:00:02Z")
                .containsEntry("threads", 1)
                // the session-wide fields still cover every interception of the session
                .containsEntry("last_prompt", "days later").containsEntry("last_active_at", "2026-03-04T12:00:01Z");

        Map<String, Object> opus = session(list(Map.of("model", "claude-opus-4")), "cs-alice-1");
        assertThat(opus).containsEntry("started_at", "2026-03-02T11:00:00Z").containsEntry("threads", 1)
                .containsEntry("models", List.of("claude-opus-4", "claude-sonnet-4-5"))
                // all four interceptions' tokens: 100+10+1+200 in, 20+5+1+40 out; the opus one alone has 200/40/0/0
                .containsEntry("token_usage_summary", Map.of("input_tokens", 311, "output_tokens", 66,
                        "cache_read_input_tokens", 1000, "cache_write_input_tokens", 50));

        // S2 filtered by the model of its second interception (Anthropic, 1/1 tokens): the providers and
        // token sums are still those of both, the OpenAI one (7/3 tokens) included
        Map<String, Object> haiku = session(list(Map.of("model", "claude-haiku-4-5")), "cs-alice-2");
        assertThat(haiku).containsEntry("started_at", "2026-03-03T09:05:00Z").containsEntry("ended_at", "2026-03-03T09:05:02Z")
                .containsEntry("threads", 1)
                .containsEntry("providers", List.of("anthropic", "openai"))
                .containsEntry("models", List.of("claude-haiku-4-5", "gpt-5"))
                .containsEntry("client", "Codex")
                .containsEntry("token_usage_summary", Map.of("input_tokens", 8, "output_tokens", 4,
                        "cache_read_input_tokens", 0, "cache_write_input_tokens", 0));

        Map<String, Object> unfiltered = session(list(Map.of()), "cs-alice-3");
        assertThat(unfiltered).containsEntry("started_at", "2026-03-01T23:00:00Z").containsEntry("threads", 2);
    }

    // adds a session, so it runs after the tests that count the base data set
    @Test
    @Order(Integer.MAX_VALUE)
    void aFilteredSessionStillReportsTheClientProvidersAndTokensOfTheWholeSession() {
        TestUser carol = fixture.users.create("sl-carol", Role.MEMBER);
        data.interception(carol.id()).at("2026-03-14T08:00:00Z").clientSessionId("sl-switched").client("Claude Code")
                .provider("anthropic").model("claude-sonnet-4-5").prompt("start in Claude Code").tokens(30, 6, 500, 25).save();
        data.interception(carol.id()).at("2026-03-14T08:10:00Z").clientSessionId("sl-switched").client("Codex")
                .provider("openai").model("gpt-5").prompt("go on in Codex").tokens(4, 2, 64, 0).save();
        data.refreshSessions();

        // only the second interception matches: Codex, OpenAI, 4/2/64/0 tokens
        Map<String, Object> session = session(list(Map.of("initiator", "sl-carol", "model", "gpt-5")), "sl-switched");

        assertThat(session).containsEntry("started_at", "2026-03-14T08:10:00Z").containsEntry("threads", 1)
                // the first interception's client, both providers, and 30+4 / 6+2 / 500+64 / 25+0 tokens
                .containsEntry("client", "Claude Code")
                .containsEntry("providers", List.of("anthropic", "openai"))
                .containsEntry("models", List.of("claude-sonnet-4-5", "gpt-5"))
                .containsEntry("token_usage_summary", Map.of("input_tokens", 34, "output_tokens", 8,
                        "cache_read_input_tokens", 564, "cache_write_input_tokens", 25))
                .containsEntry("last_prompt", "go on in Codex");
    }

    // the walks add data, so they run after the tests that count the base data set
    @Test
    @Order(Integer.MAX_VALUE)
    void walksEveryPageByCursorWithoutGapsOrRepeatsWhileNewSessionsArrive() {
        TestUser walker = fixture.users.create("sl-walker", Role.MEMBER);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            expected.add(data.interception(walker.id()).at(Instant.parse("2026-03-05T00:00:00Z").plusSeconds(60L * i))
                    .clientSessionId("walk-" + i).prompt("p" + i).save().sessionId());
        }
        data.refreshSessions();

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = walker.request().queryParam("limit", 5);
            if (cursor != null) {
                request.queryParam("after_session_id", cursor);
            }
            List<String> page = request.get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath()
                    .getList("sessions.id", String.class);
            seen.addAll(page);
            cursor = page.isEmpty() ? null : page.get(page.size() - 1);
            // between pages: a new session (newer than everything), new activity in a session already seen,
            // an interception still in flight, and another user's session
            data.interception(walker.id()).at(Instant.parse("2026-03-06T00:00:00Z").plusSeconds(pages)).clientSessionId("new-" + pages).save();
            if (!seen.isEmpty()) {
                data.interception(walker.id()).at(Instant.parse("2026-03-06T01:00:00Z").plusSeconds(pages))
                        .clientSessionId(seen.get(0)).prompt("more").save();
            }
            data.interception(walker.id()).at(Instant.parse("2026-03-05T00:00:30Z")).clientSessionId("inflight-" + pages).inFlight().save();
            data.interception(bob.id()).at(Instant.parse("2026-03-05T00:00:30Z")).clientSessionId("bob-" + pages).save();
            data.refreshSessions();
            pages++;
        } while (cursor != null && pages < 20);

        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        assertThat(pages).isEqualTo(6);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void walksEveryPageByOffsetWithoutGapsOrRepeatsWhenTheWalkIsPinnedToItsStartTime() {
        TestUser walker = fixture.users.create("sl-offset-walker", Role.MEMBER);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 17; i++) {
            expected.add(data.interception(walker.id()).at(Instant.parse("2026-03-07T00:00:00Z").plusSeconds(60L * i))
                    .clientSessionId("offset-" + i).save().sessionId());
        }
        data.refreshSessions();
        String pinned = "2026-03-07T12:00:00Z";

        List<String> seen = new ArrayList<>();
        for (int offset = 0; offset < 40; offset += 4) {
            List<String> page = walker.request().queryParam("limit", 4).queryParam("offset", offset)
                    .queryParam("started_before", pinned)
                    .get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath().getList("sessions.id", String.class);
            seen.addAll(page);
            // new sessions start after the pinned time; in-flight and other users' rows are invisible to the walker
            data.interception(walker.id()).at(Instant.parse("2026-03-07T13:00:00Z").plusSeconds(offset)).clientSessionId("late-" + offset).save();
            data.interception(walker.id()).at(Instant.parse("2026-03-07T00:00:30Z")).clientSessionId("fly-" + offset).inFlight().save();
            data.interception(bob.id()).at(Instant.parse("2026-03-07T00:00:30Z")).clientSessionId("b-" + offset).save();
            data.refreshSessions();
            if (page.isEmpty()) {
                break;
            }
        }

        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    // adds sessions, so it runs after the tests that count the base data set
    @Test
    @Order(Integer.MAX_VALUE)
    void walksEveryPageExactlyOnceWhenTwoUsersShareASessionId() {
        // alice's sl-shared, then another session, then bob's sl-shared: a cursor of the id alone is ambiguous
        data.interception(alice.id()).at("2026-03-10T10:00:00Z").clientSessionId("sl-shared").prompt("alice's").save();
        data.interception(ghost.id()).at("2026-03-10T09:00:00Z").clientSessionId("sl-between").save();
        data.interception(bob.id()).at("2026-03-10T08:00:00Z").clientSessionId("sl-shared").prompt("bob's").save();
        data.refreshSessions();
        List<String> all = keys(owner.request().queryParam("limit", 1000).get("/api/v2/aibridge/sessions")
                .then().statusCode(200).extract().jsonPath());
        assertThat(all).contains("sl-shared/" + alice.id(), "sl-shared/" + bob.id());

        for (int limit : List.of(1, 2, 3, 5)) {
            assertThat(walk(owner, Map.of(), limit, true)).as("limit %d", limit).containsExactlyElementsOf(all);
        }
        Map<String, String> day = Map.of("started_after", "2026-03-10T00:00:00Z", "started_before", "2026-03-10T23:00:00Z");
        assertThat(walk(owner, day, 1, true)).containsExactly("sl-shared/" + alice.id(), "sl-between/" + ghost.id(),
                "sl-shared/" + bob.id());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aCursorSessionIdThatSeveralUsersShareNeedsTheInitiatorUnlessTheCallerSeesOnlyOne() {
        data.interception(alice.id()).at("2026-03-11T10:00:00Z").clientSessionId("sl-twice").save();
        data.interception(bob.id()).at("2026-03-11T08:00:00Z").clientSessionId("sl-twice").save();
        data.refreshSessions();

        owner.request().queryParam("after_session_id", "sl-twice").get("/api/v2/aibridge/sessions").then().statusCode(400)
                .body("message", equalTo("Query parameter has invalid value."))
                .body("detail", equalTo("after_session_id: session \"sl-twice\" belongs to 2 users;"
                        + " add after_initiator_id, the initiator.id of the last session on the previous page"))
                .body("validations[0].field", equalTo("after_session_id"));
        // an initiator filter picks one of them
        List<String> bobs = ids(Map.of("initiator", "sl-bob", "limit", "1000"));
        assertThat(ids(Map.of("initiator", "sl-bob", "after_session_id", "sl-twice", "limit", "1000")))
                .containsExactlyElementsOf(bobs.subList(bobs.indexOf("sl-twice") + 1, bobs.size()));
        // a member sees only their own sl-twice, and walks without the initiator
        for (TestUser member : List.of(alice, bob)) {
            List<String> own = keys(member.request().queryParam("limit", 1000).get("/api/v2/aibridge/sessions")
                    .then().statusCode(200).extract().jsonPath());
            assertThat(own).contains("sl-twice/" + member.id());
            assertThat(walk(member, Map.of(), 1, false)).as(member.username()).containsExactlyElementsOf(own);
        }
        // the pair must be visible to the caller
        alice.request().queryParam("after_session_id", "sl-twice").queryParam("after_initiator_id", bob.id().toString())
                .get("/api/v2/aibridge/sessions").then().statusCode(400)
                .body("message", equalTo("Query parameter has invalid value."))
                .body("validations[0].field", equalTo("after_initiator_id"))
                .body("detail", equalTo("after_initiator_id: session \"sl-twice\" of user \""
                        + bob.id() + "\" not found"));
    }

    @Test
    void pagesBySessionCursorInListOrder() {
        List<String> all = ids(Map.of());
        List<String> afterSecond = ids(Map.of("after_session_id", all.get(1), "limit", "2"));

        assertThat(afterSecond).containsExactly(all.get(2), all.get(3));
        assertThat(list(Map.of("after_session_id", all.get(1), "limit", "2")).getLong("count")).isEqualTo(all.size());
        assertThat(ids(Map.of("offset", "4", "limit", "100"))).containsExactlyElementsOf(all.subList(4, all.size()));
    }

    @Test
    void aWalkThatAsksForTheCountOnlyOnItsFirstPageCountsOnceAndStillGetsEveryRow() {
        for (Map<String, String> filter : List.of(Map.<String, String>of(), Map.of("provider", "anthropic"),
                Map.of("started_after", "2026-03-02T00:00:00Z"))) {
            JsonPath all = list(with(filter, "limit", "1000"));
            List<String> expected = keys(all);
            assertThat(expected).as("%s", filter).hasSizeGreaterThan(2);
            long before = repository.counts();
            JsonPath first = list(with(filter, "limit", "2"));
            assertThat(first.getLong("count")).isEqualTo(expected.size());
            List<String> seen = new ArrayList<>(keys(first));
            String afterSession = first.getString("sessions[-1].id");
            String afterInitiator = first.getString("sessions[-1].initiator.id");
            for (int page = 2; page < 100; page++) {
                String body = owner.request().queryParams(filter).queryParam("limit", 2).queryParam("include_count", "false")
                        .queryParam("after_session_id", afterSession).queryParam("after_initiator_id", afterInitiator)
                        .get("/api/v2/aibridge/sessions").then().statusCode(200).extract().asString();
                JsonPath next = JsonPath.from(body);
                assertThat(next.getMap("")).as("page %d of %s", page, filter).doesNotContainKey("count");
                List<String> keys = keys(next);
                seen.addAll(keys);
                if (keys.size() < 2) {
                    break;
                }
                afterSession = next.getString("sessions[-1].id");
                afterInitiator = next.getString("sessions[-1].initiator.id");
            }
            assertThat(repository.counts() - before).as("%s", filter).isEqualTo(1);
            assertThat(seen).as("%s", filter).containsExactlyElementsOf(expected);
        }

        // without the count the page is found the same way (collected or walked) and is the same page
        Map<String, String> uncounted = Map.of("include_count", "false", "started_before", "2026-03-03T12:00:00Z", "limit", "2");
        JsonPath collected = list(uncounted);
        JsonPath walked;
        repository.collectBelow(0);
        try {
            walked = list(uncounted);
        } finally {
            repository.collectBelow(SessionRepository.COLLECT_BELOW);
        }
        assertThat(walked.<Object>getList("sessions")).isEqualTo(collected.<Object>getList("sessions")).hasSize(2);

        // the default stays the reference's: counted on every page
        long before = repository.counts();
        assertThat(list(Map.of("include_count", "true")).getLong("count")).isEqualTo(list(Map.of()).getLong("count"));
        assertThat(repository.counts() - before).isEqualTo(2);
    }

    @Test
    void includeCountTakesOnlyTrueOrFalse() {
        owner.request().queryParam("include_count", "no").get("/api/v2/aibridge/sessions").then().statusCode(400)
                .body("message", equalTo("Query parameter has invalid value."))
                .body("validations[0].field", equalTo("include_count"));
    }

    private static Map<String, String> with(Map<String, String> params, String key, String value) {
        Map<String, String> out = new java.util.HashMap<>(params);
        out.put(key, value);
        return out;
    }

    @Test
    void collectingTheMatchesAndWalkingTheActivityIndexGiveTheSamePages() {
        List<String> all = ids(Map.of());
        List<Map<String, String>> queries = List.of(Map.of(), Map.of("limit", "3"), Map.of("offset", "2", "limit", "3"),
                Map.of("after_session_id", all.get(1), "limit", "2"), Map.of("provider", "openai"),
                Map.of("model", "claude-opus-4"), Map.of("client", "Codex"),
                Map.of("started_before", "2026-03-02T12:00:00Z"), Map.of("started_after", "2026-03-02T08:00:00Z", "limit", "2"),
                Map.of("started_after", "2026-03-02T00:00:00Z", "started_before", "2026-03-03T12:00:00Z", "provider", "anthropic"),
                Map.of("initiator", alice.id().toString(), "offset", "1"));
        for (Map<String, String> query : queries) {
            JsonPath collected = list(query); // few sessions: collected and sorted
            JsonPath walked;
            repository.collectBelow(0);
            try {
                walked = list(query);
            } finally {
                repository.collectBelow(SessionRepository.COLLECT_BELOW);
            }
            assertThat(walked.getLong("count")).as("count of %s", query).isEqualTo(collected.getLong("count"));
            assertThat(walked.<Object>getList("sessions")).as("page of %s", query)
                    .isEqualTo(collected.<Object>getList("sessions")).isNotEmpty();
        }
    }

    /**
     * Every page by the cursor of the last session of each page, as "id/initiator" keys; fails when
     * the walk does not end.
     */
    private List<String> walk(TestUser caller, Map<String, String> params, int limit, boolean withInitiator) {
        List<String> seen = new ArrayList<>();
        String afterSession = null;
        String afterInitiator = null;
        for (int pages = 0; pages < 500; pages++) {
            var request = caller.request().queryParams(params).queryParam("limit", limit);
            if (afterSession != null) {
                request.queryParam("after_session_id", afterSession);
                if (withInitiator) {
                    request.queryParam("after_initiator_id", afterInitiator);
                }
            }
            JsonPath page = request.get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath();
            List<String> keys = keys(page);
            seen.addAll(keys);
            if (keys.size() < limit) {
                return seen;
            }
            afterSession = page.getString("sessions[-1].id");
            afterInitiator = page.getString("sessions[-1].initiator.id");
        }
        throw new AssertionError("the walk did not end: " + seen);
    }

    private static List<String> keys(JsonPath page) {
        List<String> ids = page.getList("sessions.id", String.class);
        List<String> initiators = page.getList("sessions.initiator.id", String.class);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            keys.add(ids.get(i) + "/" + initiators.get(i));
        }
        return keys;
    }

    private JsonPath list(Map<String, String> params) {
        return owner.request().queryParams(params).get("/api/v2/aibridge/sessions").then().statusCode(200).extract().jsonPath();
    }

    private List<String> ids(Map<String, String> params) {
        return list(params).getList("sessions.id", String.class);
    }

    private static Map<String, Object> session(JsonPath body, String id) {
        return body.getMap("sessions.find { it.id == '" + id + "' }");
    }
}
