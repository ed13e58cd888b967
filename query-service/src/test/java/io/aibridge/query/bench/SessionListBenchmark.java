package io.aibridge.query.bench;

import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;

/**
 * Latency of the query API over 1,000,000 interceptions in 100,000 sessions (50 users, 30 days),
 * measured through HTTP as a client sees it, printed as a table. Not a test: it asserts nothing
 * and runs only with {@code -Daibridge.bench=true}:
 *
 * <pre>./mvnw -B -pl query-service -am verify -Dtest=SessionListBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Daibridge.bench=true</pre>
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfSystemProperty(named = "aibridge.bench", matches = "true")
class SessionListBenchmark {

    static final int SESSIONS = Integer.getInteger("aibridge.bench.sessions", 100_000);
    static final int PER_SESSION = 10;
    static final int USERS = 50;
    static final int DAYS = 30;
    static final int RUNS = Integer.getInteger("aibridge.bench.runs", 60);
    static final String ADMIN = "Bearer test-bootstrap-token";

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;

    @BeforeAll
    void generate() throws Exception {
        fixture = Fixture.start(store, identity);
        long t0 = System.nanoTime();
        try (Statement s = fixture.data.connection().createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-01-01', '2026-01-31')");
            // users u0..u49: 00000000-0000-4000-8000-0000000000NN
            s.execute("INSERT INTO aibridge_users (id, username, name, avatar_url, role, status, created_at, updated_at)"
                    + " SELECT ('00000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, 'bench-user-' || u, 'Bench ' || u, '',"
                    + " 'member', 'active', now(), now() FROM generate_series(0, " + (USERS - 1) + ") u");
            s.execute("INSERT INTO aibridge_interceptions (id, started_at, initiator_id, api_key_id, provider, provider_name, model,"
                    + " metadata, client, client_session_id, thread_parent_id, thread_root_id, ended_at, end_status)"
                    + " SELECT md5('i' || s || '-' || k)::uuid, t.started_at,"
                    + " ('00000000-0000-4000-8000-' || lpad((h.h / 60000 % " + USERS + ")::text, 12, '0'))::uuid, 'key',"
                    + " p.provider, p.provider,"
                    + " CASE WHEN h.h / 60 % 1000 = 1 THEN 'claude-opus-4' WHEN p.provider = 'anthropic' AND k = 9 THEN 'claude-haiku-4-5'"
                    + "      WHEN p.provider = 'anthropic' THEN 'claude-sonnet-4-5' WHEN p.provider = 'openai' AND k % 2 = 1 THEN 'o3'"
                    + "      WHEN p.provider = 'openai' THEN 'gpt-5' ELSE 'gpt-4.1' END,"
                    + " '{\"request_user_agent\": \"bench/1.0\"}'::jsonb,"
                    + " (ARRAY['Claude Code', 'Codex', 'Cursor', 'Zed', NULL, 'GitHub Copilot (CLI)'])[h.h / 10 % 6 + 1],"
                    + " 'bench-' || s,"
                    + " CASE WHEN k % 3 = 0 THEN NULL ELSE md5('i' || s || '-' || (k - 1))::uuid END,"
                    + " CASE WHEN k % 3 = 0 THEN NULL ELSE md5('i' || s || '-' || (k - k % 3))::uuid END,"
                    + " CASE WHEN s % 200 = 0 AND k = 9 THEN NULL ELSE t.started_at + interval '5 seconds' END,"
                    + " CASE WHEN s % 200 = 0 AND k = 9 THEN NULL ELSE 'completed' END"
                    + " FROM generate_series(0, " + (SESSIONS - 1) + ") s CROSS JOIN generate_series(0, " + (PER_SESSION - 1) + ") k"
                    // provider, client, user and the rare model from a hash of the session, independent of its day
                    + " CROSS JOIN LATERAL (SELECT abs(hashtext('bench' || s)) AS h) h"
                    + " CROSS JOIN LATERAL (SELECT CASE WHEN h.h % 10 < 6 THEN 'anthropic' WHEN h.h % 10 < 9 THEN 'openai' ELSE 'copilot' END AS provider) p"
                    + " CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 00:00:00Z' + (s % " + DAYS + ") * interval '1 day'"
                    + "   + ((s::bigint * 7919) % 80000) * interval '1 second' + k * interval '10 seconds' AS started_at) t");
            s.execute("INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, provider_response_id,"
                    + " input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, metadata, created_at)"
                    + " SELECT md5('t' || i.id)::uuid, i.id, i.started_at, 'msg', 100 + (hashtext(i.id::text) & 255), 20, 1000, 10,"
                    + " '{\"cache_ephemeral_5m_input\": 10}'::jsonb, i.started_at + interval '4 seconds' FROM aibridge_interceptions i");
            s.execute("INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, provider_response_id, prompt, created_at)"
                    + " SELECT md5('p' || i.id)::uuid, i.id, i.started_at, 'msg', 'please do task ' || i.id, i.started_at + interval '1 second'"
                    + " FROM aibridge_interceptions i WHERE i.thread_root_id IS NULL");
            s.execute("INSERT INTO aibridge_tool_usages (id, interception_id, interception_started_at, provider_response_id,"
                    + " provider_tool_call_id, tool, input, created_at)"
                    + " SELECT md5('u' || i.id)::uuid, i.id, i.started_at, 'msg', 'toolu_' || i.id, 'bash', '{\"cmd\":\"ls\"}',"
                    + " i.started_at + interval '3 seconds' FROM aibridge_interceptions i WHERE i.id IS NOT NULL AND (hashtext(i.id::text) & 1) = 0");
        }
        long t1 = System.nanoTime();
        int batch = 5_000;
        for (int from = 0; from < SESSIONS; from += batch) {
            try (PreparedStatement s = fixture.data.connection().prepareStatement(
                    "SELECT aibridge_refresh_sessions(array_agg('bench-' || s), array_agg(('00000000-0000-4000-8000-'"
                            + " || lpad((abs(hashtext('bench' || s)) / 60000 % " + USERS + ")::text, 12, '0'))::uuid))"
                            + " FROM generate_series(?, ?) s")) {
                s.setInt(1, from);
                s.setInt(2, Math.min(SESSIONS, from + batch) - 1);
                s.execute();
            }
        }
        long t2 = System.nanoTime();
        try (Statement s = fixture.data.connection().createStatement()) {
            s.execute("VACUUM ANALYZE");
        }
        long t3 = System.nanoTime();
        System.out.printf("%nbench data: %,d interceptions in %,d sessions; insert %.1f s, summaries %.1f s, vacuum %.1f s%n",
                (long) SESSIONS * PER_SESSION, SESSIONS, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    }

    @AfterAll
    void close() {
        // -Daibridge.bench.keep=true leaves the data for EXPLAIN (useful with AIBRIDGE_TEST_JDBC_URL)
        if (!Boolean.getBoolean("aibridge.bench.keep")) {
            fixture.data.truncate();
        }
        fixture.close();
    }

    @Test
    void printLatencyTable() throws Exception {
        String user = "bench-user-7";
        String deepCursor = sessionAt(50_000);
        Map<String, Supplier<RequestSpecification>> cases = new LinkedHashMap<>();
        cases.put("sessions: first page, no filter", () -> admin());
        cases.put("sessions: limit 1000", () -> admin().queryParam("limit", 1000));
        cases.put("sessions: initiator", () -> admin().queryParam("initiator", user));
        cases.put("sessions: provider=openai", () -> admin().queryParam("provider", "openai"));
        cases.put("sessions: provider=copilot", () -> admin().queryParam("provider", "copilot"));
        cases.put("sessions: model=gpt-5", () -> admin().queryParam("model", "gpt-5"));
        cases.put("sessions: model=claude-opus-4 (rare)", () -> admin().queryParam("model", "claude-opus-4"));
        cases.put("sessions: model=none (no match)", () -> admin().queryParam("model", "no-such-model"));
        cases.put("sessions: client=Codex", () -> admin().queryParam("client", "Codex"));
        cases.put("sessions: client=Unknown", () -> admin().queryParam("client", "Unknown"));
        cases.put("sessions: session_id", () -> admin().queryParam("session_id", "bench-4242"));
        cases.put("sessions: started_after (last 5 days)", () -> admin().queryParam("started_after", "2026-01-26T00:00:00Z"));
        cases.put("sessions: started_before (first 5 days)", () -> admin().queryParam("started_before", "2026-01-05T00:00:00Z"));
        cases.put("sessions: one day range", () -> admin().queryParam("started_after", "2026-01-10T00:00:00Z")
                .queryParam("started_before", "2026-01-11T00:00:00Z"));
        cases.put("sessions: provider+model+client", () -> admin().queryParam("q", "provider:anthropic model:claude-haiku-4-5 client:Zed"));
        cases.put("sessions: member's own", () -> member(7));
        cases.put("sessions: cursor page 1", () -> admin().queryParam("limit", 100));
        cases.put("sessions: cursor at session 50,000", () -> admin().queryParam("after_session_id", deepCursor));
        cases.put("sessions: offset 50,000", () -> admin().queryParam("offset", 50_000));
        cases.put("session detail", () -> admin().basePath("/api/v2/aibridge/sessions/bench-4242"));
        cases.put("interceptions: first page", () -> admin().basePath("/api/v2/aibridge/interceptions"));
        cases.put("interceptions: model=o3", () -> admin().basePath("/api/v2/aibridge/interceptions").queryParam("model", "o3"));
        cases.put("interceptions: member's own", () -> member(7).basePath("/api/v2/aibridge/interceptions"));
        cases.put("models", () -> admin().basePath("/api/v2/aibridge/models"));
        cases.put("clients", () -> admin().basePath("/api/v2/aibridge/clients"));
        cases.put("usage by user, 7 days", () -> admin().basePath("/api/v2/aibridge/usage")
                .queryParam("started_after", "2026-01-20T00:00:00Z").queryParam("started_before", "2026-01-27T00:00:00Z"));
        cases.put("usage by user, 1 day", () -> admin().basePath("/api/v2/aibridge/usage")
                .queryParam("started_after", "2026-01-10T00:00:00Z").queryParam("started_before", "2026-01-11T00:00:00Z"));
        cases.put("usage by model, all 30 days", () -> admin().basePath("/api/v2/aibridge/usage").queryParam("group_by", "model"));

        // warm every path (JIT, connection pool, PostgreSQL caches) before measuring any
        for (int round = 0; round < 3; round++) {
            for (var c : cases.entrySet()) {
                c.getValue().get().get().then().statusCode(200);
            }
        }
        System.out.printf("%n%-44s %9s %9s %9s %7s%n", "request", "p50 ms", "p95 ms", "max ms", "runs");
        for (var c : cases.entrySet()) {
            int runs = c.getKey().startsWith("usage") ? Math.max(5, RUNS / 10) : RUNS;
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                c.getValue().get().get().then().statusCode(200);
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("%-44s %9.1f %9.1f %9.1f %7d%n", c.getKey(), ms[runs / 2], ms[(int) Math.ceil(runs * 0.95) - 1],
                    ms[runs - 1], runs);
        }
        System.out.println();
    }

    private String sessionAt(int position) throws Exception {
        try (PreparedStatement s = fixture.data.connection().prepareStatement("SELECT session_id FROM aibridge_sessions"
                + " ORDER BY last_active_at DESC, session_id DESC, initiator_id DESC OFFSET ? LIMIT 1")) {
            s.setInt(1, position);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private RequestSpecification member(int user) {
        List<String> token = new ArrayList<>();
        token.add(memberToken(user));
        return given().header("Authorization", "Bearer " + token.get(0)).basePath("/api/v2/aibridge/sessions");
    }

    private final Map<Integer, String> memberTokens = new java.util.HashMap<>();

    private String memberToken(int user) {
        return memberTokens.computeIfAbsent(user, u -> {
            java.util.UUID id = java.util.UUID.fromString(String.format("00000000-0000-4000-8000-%012d", u));
            java.time.Instant now = java.time.Instant.now();
            fixture.users.publish(new io.aibridge.events.UserUpserted(io.aibridge.events.EventCodec.newEventId(), id,
                    "bench-user-" + u, "Bench " + u, null, "", io.aibridge.events.Role.MEMBER, io.aibridge.events.UserStatus.ACTIVE, now, now));
            io.aibridge.identity.ApiKeys.GeneratedKey key = io.aibridge.identity.ApiKeys.generate();
            fixture.users.publish(new io.aibridge.events.ApiKeyCreated(io.aibridge.events.EventCodec.newEventId(), key.keyId(), id,
                    "bench", key.secretHash(), now, null));
            return key.token();
        });
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", ADMIN).basePath("/api/v2/aibridge/sessions");
    }
}
