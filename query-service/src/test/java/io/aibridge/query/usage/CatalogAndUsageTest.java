package io.aibridge.query.usage;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.Principal;
import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.search.Filters;
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

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The models and clients lists, and usage totals per user, model, client and provider. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CatalogAndUsageTest {

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;
    @Inject
    Snapshots snapshots;

    Fixture fixture;
    TestUser owner;
    TestUser alice;
    TestUser bob;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        RecordedData data = fixture.data;
        owner = fixture.users.create("cu-owner", Role.OWNER);
        alice = fixture.users.create("cu-alice", Role.MEMBER);
        bob = fixture.users.create("cu-bob", Role.MEMBER);
        // alice: two sessions, 3 interceptions on Anthropic, one of them a tool-loop step with two token rows
        var root = data.interception(alice.id()).at("2026-04-01T10:00:00Z").clientSessionId("cu-a1")
                .tokens(100, 10, 1000, 100).save();
        data.interception(alice.id()).at("2026-04-01T10:00:05Z").clientSessionId("cu-a1").childOf(root)
                .tokens(20, 2, 0, 0).tokens(30, 3, 0, 0).save();
        data.interception(alice.id()).at("2026-04-02T10:00:00Z").clientSessionId("cu-a2").model("claude-opus-4")
                .tokens(5, 5, 5, 5).save();
        // bob: OpenAI via Codex, one without a detected client, one in flight (not counted)
        data.interception(bob.id()).at("2026-04-01T12:00:00Z").clientSessionId("cu-b1").client("Codex").provider("openai")
                .model("gpt-5").tokens(1000, 100, 0, 0).save();
        data.interception(bob.id()).at("2026-04-03T12:00:00Z").clientSessionId("cu-b2").client(null).provider("openai")
                .model("gpt-4o").save();
        data.interception(bob.id()).at("2026-04-03T13:00:00Z").clientSessionId("cu-b3").provider("openai").model("o3")
                .inFlight().tokens(9, 9, 9, 9).save();
        data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void listsTheModelsAndClientsTheCallerMaySeeSorted() {
        assertThat(catalog(owner, "models", Map.of())).containsExactly("claude-opus-4", "claude-sonnet-4-5", "gpt-4o", "gpt-5");
        assertThat(catalog(owner, "models", Map.of("q", "claude"))).containsExactly("claude-opus-4", "claude-sonnet-4-5");
        assertThat(catalog(owner, "models", Map.of("q", "model:gpt-", "limit", "1"))).containsExactly("gpt-4o");
        assertThat(catalog(owner, "models", Map.of("model", "Claude"))).as("prefixes are case-sensitive").isEmpty();
        assertThat(catalog(bob, "models", Map.of())).containsExactly("gpt-4o", "gpt-5");
        assertThat(catalog(owner, "clients", Map.of())).containsExactly("Claude Code", "Codex", "Unknown");
        assertThat(catalog(owner, "clients", Map.of("q", "C"))).containsExactly("Claude Code", "Codex");
        assertThat(catalog(alice, "clients", Map.of())).containsExactly("Claude Code");
    }

    @Test
    void totalsTokensInterceptionsAndSessionsPerUserLargestFirst() {
        JsonPath body = usage(owner, Map.of());

        assertThat(body.getString("group_by")).isEqualTo("user");
        assertThat(body.getString("order_by")).isEqualTo("total_tokens");
        assertThat(body.getLong("count")).isEqualTo(2);
        assertThat(body.getMap("totals")).isEqualTo(Map.of("input_tokens", 1155, "output_tokens", 120,
                "cache_read_input_tokens", 1005, "cache_write_input_tokens", 105, "total_tokens", 2385,
                "interceptions", 5, "sessions", 4));
        assertThat(body.getList("groups.key")).containsExactly(alice.id().toString(), bob.id().toString());
        assertThat(body.getMap("groups[0]")).containsEntry("input_tokens", 155).containsEntry("output_tokens", 20)
                .containsEntry("cache_read_input_tokens", 1005).containsEntry("cache_write_input_tokens", 105)
                .containsEntry("total_tokens", 1285).containsEntry("interceptions", 3).containsEntry("sessions", 2)
                .containsEntry("user", Map.of("id", alice.id().toString(), "username", "cu-alice", "name", alice.name(),
                        "avatar_url", "https://avatars.example.com/cu-alice"));
        assertThat(body.getMap("groups[1]")).containsEntry("total_tokens", 1100).containsEntry("interceptions", 2)
                .containsEntry("sessions", 2);
    }

    @Test
    void groupsByModelClientAndProviderWithinATimeRange() {
        JsonPath byModel = usage(owner, Map.of("group_by", "model", "started_after", "2026-04-01T00:00:00Z",
                "started_before", "2026-04-01T23:59:59Z"));
        assertThat(byModel.getList("groups.key")).containsExactly("claude-sonnet-4-5", "gpt-5");
        assertThat(byModel.getString("started_after")).isEqualTo("2026-04-01T00:00:00Z");
        assertThat(byModel.getMap("groups[0]")).containsEntry("input_tokens", 150).containsEntry("total_tokens", 1265)
                .containsEntry("interceptions", 2)
                .containsEntry("sessions", 1).doesNotContainKey("user");

        JsonPath byClient = usage(owner, Map.of("group_by", "client", "order_by", "interceptions"));
        assertThat(byClient.getList("groups.key")).containsExactly("Claude Code", "Codex", "Unknown");
        assertThat(byClient.getList("groups.interceptions")).containsExactly(3, 1, 1);

        JsonPath byProvider = usage(owner, Map.of("group_by", "provider", "q", "provider:openai"));
        assertThat(byProvider.getList("groups.key")).containsExactly("openai");
        assertThat(byProvider.getInt("totals.interceptions")).isEqualTo(2);

        assertThat(usage(owner, Map.of("group_by", "model", "limit", "1")).getList("groups.key")).containsExactly("claude-sonnet-4-5");
        assertThat(usage(owner, Map.of("group_by", "model", "limit", "1")).getLong("count")).isEqualTo(4);
    }

    @Test
    void aMemberSeesOnlyTheirOwnUsage() {
        JsonPath body = usage(bob, Map.of("group_by", "model"));
        assertThat(body.getList("groups.key")).containsExactly("gpt-5", "gpt-4o");
        assertThat(body.getInt("totals.input_tokens")).isEqualTo(1000);
    }

    @Test
    void anEmptyRangeGivesZeroTotals() {
        JsonPath body = usage(owner, Map.of("started_after", "2030-01-01T00:00:00Z"));
        assertThat(body.getLong("count")).isZero();
        assertThat(body.getList("groups")).isEmpty();
        assertThat(body.getInt("totals.interceptions")).isZero();
    }

    @Test
    void aNarrowedReportReadsOnlyTheTokenRowsOfTheMatchingInterceptions() {
        // Another user with many token rows on the same day as bob's usage.
        UUID heavy = UUID.randomUUID();
        fixture.data.execute("INSERT INTO aibridge_interceptions (id, started_at, initiator_id, provider, model, ended_at)"
                + " SELECT gen_random_uuid(), timestamptz '2026-04-01T11:00:00Z' + n * interval '1 ms', '" + heavy + "',"
                + " 'openai', 'gpt-5', timestamptz '2026-04-01T11:30:00Z' FROM generate_series(1, 3000) n");
        fixture.data.execute("INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, input_tokens,"
                + " output_tokens, created_at) SELECT gen_random_uuid(), i.id, i.started_at, 1, 1, i.started_at"
                + " FROM aibridge_interceptions i, generate_series(1, 2) n WHERE i.initiator_id = '" + heavy + "'");
        fixture.data.execute("ANALYZE aibridge_interceptions, aibridge_token_usages");
        try {
            // The planner may scan a partition of a handful of rows rather than probe its index, but
            // never the other user's thousands.
            long othersRows = count("SELECT count(*) FROM aibridge_token_usages t JOIN aibridge_interceptions i"
                    + " ON i.id = t.interception_id AND i.started_at = t.interception_started_at WHERE i.initiator_id <> '" + heavy + "'");
            assertThat(othersRows).isLessThan(10);
            assertThat(tokenRowsRead(new Caller(principal(bob, Role.MEMBER)), Filters.NONE))
                    .as("a member's report").isLessThanOrEqualTo(othersRows);
            assertThat(tokenRowsRead(new Caller(principal(owner, Role.OWNER)),
                    new Filters(bob.id(), null, null, null, null, null, null)))
                    .as("an owner's report on one initiator").isLessThanOrEqualTo(othersRows);
            assertThat(usage(bob, Map.of("group_by", "model")).getInt("totals.input_tokens")).isEqualTo(1000);
            assertThat(usage(owner, Map.of("q", "model:claude-opus-4")).getInt("totals.total_tokens")).isEqualTo(20);
            assertThat(usage(owner, Map.of("q", "client:Codex")).getInt("totals.input_tokens")).isEqualTo(1000);
            assertThat(usage(owner, Map.of("q", "initiator:cu-alice", "group_by", "model")).getList("groups.total_tokens"))
                    .containsExactly(1265, 20);
        } finally {
            fixture.data.execute("DELETE FROM aibridge_token_usages t USING aibridge_interceptions i"
                    + " WHERE t.interception_id = i.id AND i.initiator_id = '" + heavy + "'");
            fixture.data.execute("DELETE FROM aibridge_interceptions WHERE initiator_id = '" + heavy + "'");
        }
    }

    /** Rows of aibridge_token_usages that the report's plan read, from EXPLAIN ANALYZE in the report's settings. */
    private long tokenRowsRead(Caller caller, Filters filters) {
        Sql sql = UsageRepository.reportSql(caller, filters, UsageRepository.GroupBy.MODEL);
        Sql explain = new Sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql.text(), sql.params().toArray());
        String plan = snapshots.read(c -> {
            UsageRepository.planSettings(c);
            try (PreparedStatement s = explain.prepare(c); ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        });
        return rowsRead(JsonPath.from(plan).getMap("[0].Plan"));
    }

    private long count(String query) {
        try (Statement s = fixture.data.connection().createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static long rowsRead(Map<String, Object> node) {
        long read = 0;
        Object relation = node.get("Relation Name");
        if (relation != null && relation.toString().startsWith("aibridge_token_usages")) {
            long perLoop = number(node, "Actual Rows") + number(node, "Rows Removed by Filter")
                    + number(node, "Rows Removed by Index Recheck");
            read += perLoop * Math.max(1, number(node, "Actual Loops"));
        }
        for (Object child : (List<Object>) node.getOrDefault("Plans", List.of())) {
            read += rowsRead((Map<String, Object>) child);
        }
        return read;
    }

    private static long number(Map<String, Object> node, String key) {
        Object value = node.get(key);
        return value == null ? 0 : ((Number) value).longValue();
    }

    private static Principal principal(TestUser user, Role role) {
        return new Principal(user.id(), "u", "u", role, "k");
    }

    private static List<String> catalog(TestUser user, String path, Map<String, String> params) {
        return user.request().queryParams(params).get("/api/v2/aibridge/" + path).then().statusCode(200).extract().jsonPath()
                .getList("$", String.class);
    }

    private static JsonPath usage(TestUser user, Map<String, String> params) {
        return user.request().queryParams(params).get("/api/v2/aibridge/usage").then().statusCode(200).extract().jsonPath();
    }
}
