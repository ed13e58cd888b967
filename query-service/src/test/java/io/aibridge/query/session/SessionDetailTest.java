package io.aibridge.query.session;

import io.agroal.api.AgroalDataSource;
import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.Principal;
import io.aibridge.query.QueryConfig;
import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.TextLimits;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RecordedData;
import io.aibridge.query.fixtures.RecordedData.Recorded;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.query.user.UserDirectory;
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

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * One session with its threads: thread paging, per-thread and per-action tokens, agentic actions,
 * visibility, and a long session whose pages read what the page holds, not the whole session.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionDetailTest {

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    QueryConfig config;
    @Inject
    UserDirectory users;
    @Inject
    TextLimits texts;

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
    Recorded manyTypesRoot;

    /** Threads of the long session: one interception each, but for the one at {@link #LONG_LOOP}. */
    static final int LONG_THREADS = 3000;
    static final int LONG_LOOP = 1000;
    final List<Recorded> longRoots = new ArrayList<>();
    /** The long session's token sums as the owner sees them (Bob's thread included) and as Alice does. */
    final Sums longForOwner = new Sums();
    final Sums longForAlice = new Sums();

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
        // 200 extra types that one token row each carries, beside two that most rows carry: the root's
        // row has x_000 to x_099, the child's first row x_100 to x_199
        manyTypesRoot = data.interception(alice.id()).at("2026-03-13T10:00:00Z").clientSessionId("cs-many-types").prompt("many types")
                .tokens(1, 1, 0, 0, oneOffTypes(0, 100, "\"web_search_requests\": 1, \"cache_ephemeral_5m_input\": 10")).save();
        data.interception(alice.id()).at("2026-03-13T10:00:05Z").clientSessionId("cs-many-types").childOf(manyTypesRoot)
                .tokens(1, 1, 0, 0, oneOffTypes(100, 200, "\"web_search_requests\": 2"))
                .tokens(1, 1, 0, 0, "{\"web_search_requests\": 4, \"cache_ephemeral_5m_input\": 20}").tool("bash", "{}").save();
        data.interception(alice.id()).at("2026-03-13T11:00:00Z").clientSessionId("cs-many-types").prompt("few types")
                .tokens(1, 1, 0, 0, "{\"web_search_requests\": 8}").save();
        // type names of more than 256 characters: a top-level one, and an object nested under a long key
        data.interception(alice.id()).at("2026-03-14T10:00:00Z").clientSessionId("cs-long-type").prompt("long name")
                .tokens(1, 1, 0, 0, "{\"web_search_requests\": 1, \"" + "k".repeat(300) + "\": 5}").save();
        data.interception(alice.id()).at("2026-03-14T11:00:00Z").clientSessionId("cs-long-type").prompt("long nested name")
                .tokens(1, 1, 0, 0, "{\"server_tool_use\": {\"" + "n".repeat(300) + "\": {\"deep\": 1}, \"web_fetch_requests\": 2}}").save();
        recordLongSession(data);
        data.refreshSessions();
    }

    /**
     * A Claude Code session of 3,000 one-interception threads over three days, each token row with
     * five extra token types (and a text leaf, which is no token type), plus a thread of two
     * interceptions, an interception in flight (not counted) and a thread of Bob's (counted for
     * the owner only). The sums are taken here from the values written.
     */
    private void recordLongSession(RecordedData data) {
        Instant base = Instant.parse("2026-04-01T00:00:00Z");
        for (int i = 0; i < LONG_THREADS; i++) {
            long input = i % 97 + 1;
            long output = i % 13;
            long cacheRead = i % 5 * 10L;
            long cacheWrite = i % 3;
            Map<String, Long> extra = Map.of("cache_creation.ephemeral_5m_input_tokens", (long) (i % 7),
                    "cache_creation.ephemeral_1h_input_tokens", (long) (i % 11),
                    "server_tool_use.web_search_requests", (long) (i % 2),
                    "server_tool_use.web_fetch_requests", (long) (i % 3), "cache_ephemeral_5m_input", (long) i);
            String metadata = "{\"cache_creation\": {\"ephemeral_5m_input_tokens\": " + i % 7 + ", \"ephemeral_1h_input_tokens\": " + i % 11
                    + "}, \"server_tool_use\": {\"web_search_requests\": " + i % 2 + ", \"web_fetch_requests\": " + i % 3
                    + "}, \"cache_ephemeral_5m_input\": " + i + ", \"service_tier\": \"standard\"}";
            Recorded root = data.interception(alice.id()).at(base.plusSeconds(60L * i)).clientSessionId("cs-long")
                    .tokens(input, output, cacheRead, cacheWrite, metadata).save();
            longRoots.add(root);
            longForOwner.add(input, output, cacheRead, cacheWrite, extra);
            longForAlice.add(input, output, cacheRead, cacheWrite, extra);
        }
        Recorded loopRoot = longRoots.get(LONG_LOOP);
        data.interception(alice.id()).at(loopRoot.startedAt().plusSeconds(10)).clientSessionId("cs-long").childOf(loopRoot)
                .tokens(3, 3, 3, 3, "{\"cache_ephemeral_5m_input\": 4}").save();
        longForOwner.add(3, 3, 3, 3, Map.of("cache_ephemeral_5m_input", 4L));
        longForAlice.add(3, 3, 3, 3, Map.of("cache_ephemeral_5m_input", 4L));
        data.interception(alice.id()).at(base.plusSeconds(90)).clientSessionId("cs-long").inFlight()
                .tokens(1000, 1000, 1000, 1000, "{\"cache_ephemeral_5m_input\": 1000}").save();
        data.interception(bob.id()).at(base.plusSeconds(30)).clientSessionId("cs-long")
                .tokens(20, 2, 0, 0, "{\"server_tool_use\": {\"web_search_requests\": 5}}").save();
        longForOwner.add(20, 2, 0, 0, Map.of("server_tool_use.web_search_requests", 5L));
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

    @Test
    void aPageOfALongSessionSumsTheWholeSessionsTokensWithoutReadingItsRows() {
        JsonPath first = detail(owner, "cs-long", Map.of("limit", "1"));
        assertThat(first.getList("threads.id", String.class)).containsExactly(longRoots.get(0).id().toString());
        assertThat(sums(first.getMap("token_usage_summary"))).isEqualTo(longForOwner.json());

        // the thread of two interceptions, further on: its own sums, and the session's unchanged
        JsonPath loop = detail(owner, "cs-long", Map.of("limit", "1", "after_id", longRoots.get(LONG_LOOP - 1).id().toString()));
        assertThat(loop.getList("threads.id", String.class)).containsExactly(longRoots.get(LONG_LOOP).id().toString());
        Sums thread = new Sums();
        thread.add(LONG_LOOP % 97 + 1, LONG_LOOP % 13, LONG_LOOP % 5 * 10L, LONG_LOOP % 3,
                Map.of("cache_creation.ephemeral_5m_input_tokens", (long) (LONG_LOOP % 7),
                        "cache_creation.ephemeral_1h_input_tokens", (long) (LONG_LOOP % 11),
                        "server_tool_use.web_search_requests", (long) (LONG_LOOP % 2),
                        "server_tool_use.web_fetch_requests", (long) (LONG_LOOP % 3), "cache_ephemeral_5m_input", (long) LONG_LOOP));
        thread.add(3, 3, 3, 3, Map.of("cache_ephemeral_5m_input", 4L));
        assertThat(sums(loop.getMap("threads[0].token_usage"))).isEqualTo(thread.json());
        assertThat(sums(loop.getMap("token_usage_summary"))).isEqualTo(longForOwner.json());

        JsonPath last = detail(owner, "cs-long", Map.of("limit", "1", "before_id", longRoots.get(LONG_THREADS - 1).id().toString()));
        assertThat(last.getList("threads.id", String.class)).containsExactly(longRoots.get(LONG_THREADS - 2).id().toString());
        assertThat(sums(last.getMap("token_usage_summary"))).isEqualTo(longForOwner.json());

        // a member's summary holds their own interceptions only
        assertThat(sums(detail(alice, "cs-long", Map.of("limit", "1")).getMap("token_usage_summary"))).isEqualTo(longForAlice.json());

        // the rows the database hands the repository for one page: a few per statement, not one or
        // more per interception of the session (3,002 visible, with 5 extra types per token row)
        AtomicLong rows = new AtomicLong();
        SessionDetailRepository repository = new SessionDetailRepository(new Snapshots(counting(dataSource, rows), config), users, texts);
        Caller caller = new Caller(new Principal(owner.id(), owner.username(), owner.name(), Role.OWNER, owner.keyId()));
        SessionDetailView page = repository.detail(caller, "cs-long", null, SessionDetailRepository.Direction.AFTER, 1);
        assertThat(page.threads()).hasSize(1);
        assertThat(page.tokenUsageSummary().inputTokens()).isEqualTo(longForOwner.input);
        assertThat(page.tokenUsageSummary().metadata()).isEqualTo(longForOwner.extra());
        assertThat(new ArrayList<>(page.tokenUsageSummary().metadata().keySet())).isSorted();
        assertThat(rows.get()).isLessThan(50);
    }

    @Test
    void eachTokenUsageSumsAtMost64ExtraTypesThoseOfTheMostRowsFirstAndFlagsTheRest() {
        JsonPath body = detail(owner, "cs-many-types", Map.of());

        // the session: web_search_requests (4 rows), cache_ephemeral_5m_input (2), then 62 of the one-off types by name
        Map<String, Object> session = body.getMap("token_usage_summary");
        assertThat(session).containsEntry("input_tokens", 4).containsEntry("metadata_truncated", true);
        assertThat(body.getMap("token_usage_summary.metadata")).isEqualTo(types(Map.of("web_search_requests", 15,
                "cache_ephemeral_5m_input", 30), 0, 62));
        // the thread: its own three rows
        assertThat(body.getMap("threads[0].token_usage")).containsEntry("input_tokens", 3).containsEntry("metadata_truncated", true);
        assertThat(body.getMap("threads[0].token_usage.metadata")).isEqualTo(types(Map.of("web_search_requests", 7,
                "cache_ephemeral_5m_input", 30), 0, 62));
        // the child's action: web_search_requests (2 rows), then by name among the types of one row
        assertThat(body.getMap("threads[0].agentic_actions[0].token_usage")).containsEntry("input_tokens", 2)
                .containsEntry("metadata_truncated", true);
        assertThat(body.getMap("threads[0].agentic_actions[0].token_usage.metadata")).isEqualTo(types(Map.of("web_search_requests", 6,
                "cache_ephemeral_5m_input", 20), 100, 162));
        // a thread with few types is whole and unflagged
        assertThat(body.getMap("threads[1].token_usage")).isEqualTo(Map.of("input_tokens", 1, "output_tokens", 1,
                "cache_read_input_tokens", 0, "cache_write_input_tokens", 0, "metadata", Map.of("web_search_requests", 8)));
    }

    @Test
    void anExtraTypeWithANameOver256CharactersIsLeftOutAndFlagged() {
        String raw = owner.request().get("/api/v2/aibridge/sessions/cs-long-type").then().statusCode(200).extract().asString();
        JsonPath body = JsonPath.from(raw);

        assertThat(body.getMap("token_usage_summary.metadata")).isEqualTo(Map.of("web_search_requests", 1,
                "server_tool_use.web_fetch_requests", 2));
        assertThat(body.getBoolean("token_usage_summary.metadata_truncated")).isTrue();
        assertThat(body.getMap("threads[0].token_usage.metadata")).isEqualTo(Map.of("web_search_requests", 1));
        assertThat(body.getBoolean("threads[0].token_usage.metadata_truncated")).isTrue();
        // nothing below a name that is already too long is summed
        assertThat(body.getMap("threads[1].token_usage.metadata")).isEqualTo(Map.of("server_tool_use.web_fetch_requests", 2));
        assertThat(body.getBoolean("threads[1].token_usage.metadata_truncated")).isTrue();
        assertThat(raw).doesNotContain("kkkk", "nnnn");
    }

    /** A token row's metadata: {@code common}, then one-off types {@code x_<from>} to {@code x_<to - 1>}, each its number. */
    private static String oneOffTypes(int from, int to, String common) {
        StringBuilder s = new StringBuilder("{").append(common);
        for (int i = from; i < to; i++) {
            s.append(", \"").append(String.format("x_%03d", i)).append("\": ").append(i);
        }
        return s.append('}').toString();
    }

    /** {@code common} and the one-off types {@code x_<from>} to {@code x_<to - 1>}. */
    private static Map<String, Object> types(Map<String, Integer> common, int from, int to) {
        Map<String, Object> out = new TreeMap<>(common);
        for (int i = from; i < to; i++) {
            out.put(String.format("x_%03d", i), i);
        }
        return out;
    }

    /** Token sums, and the same in the shape of a response's {@code token_usage}. */
    static final class Sums {
        long input;
        long output;
        long cacheRead;
        long cacheWrite;
        final Map<String, Long> extra = new TreeMap<>();

        void add(long input, long output, long cacheRead, long cacheWrite, Map<String, Long> extra) {
            this.input += input;
            this.output += output;
            this.cacheRead += cacheRead;
            this.cacheWrite += cacheWrite;
            extra.forEach((k, v) -> this.extra.merge(k, v, Long::sum));
        }

        Map<String, BigInteger> extra() {
            Map<String, BigInteger> out = new LinkedHashMap<>();
            extra.forEach((k, v) -> out.put(k, BigInteger.valueOf(v)));
            return out;
        }

        Map<String, Object> json() {
            return Map.of("input_tokens", input, "output_tokens", output, "cache_read_input_tokens", cacheRead,
                    "cache_write_input_tokens", cacheWrite, "metadata", extra);
        }
    }

    /** A response's token usage with every number as a long, to compare with {@link Sums#json()}. */
    private static Map<String, Object> sums(Map<String, Object> usage) {
        Map<String, Object> out = new TreeMap<>();
        usage.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? sums(cast(m)) : ((Number) v).longValue()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    /** The data source, counting every row that a result set of its connections hands out. */
    private static AgroalDataSource counting(AgroalDataSource dataSource, AtomicLong rows) {
        return forwarding(AgroalDataSource.class, dataSource, (method, result) -> method.equals("getConnection")
                ? forwarding(Connection.class, (Connection) result, (m, r) -> m.equals("prepareStatement")
                        ? forwarding(PreparedStatement.class, (PreparedStatement) r, (q, set) -> q.equals("executeQuery")
                                ? forwarding(ResultSet.class, (ResultSet) set, (n, more) -> {
                                    if (n.equals("next") && (Boolean) more) {
                                        rows.incrementAndGet();
                                    }
                                    return more;
                                })
                                : set)
                        : r)
                : result);
    }

    private interface Wrap {
        Object wrap(String method, Object result);
    }

    /** {@code target} behind a proxy that passes each call on and lets {@code wrap} see or replace its result. */
    private static <T> T forwarding(Class<T> type, T target, Wrap wrap) {
        return type.cast(Proxy.newProxyInstance(SessionDetailTest.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            try {
                return wrap.wrap(method.getName(), method.invoke(target, args));
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    private List<String> threadIds(TestUser user, Map<String, String> params) {
        return detail(user, "cs-detail", params).getList("threads.id", String.class);
    }

    private static JsonPath detail(TestUser user, String id, Map<String, String> params) {
        return user.request().queryParams(params).get("/api/v2/aibridge/sessions/" + id).then().statusCode(200).extract().jsonPath();
    }
}
