package io.aibridge.cli;

import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Exactly what goes over the wire: paths, query strings, headers and bodies. */
class WireFormatTest {

    FakeApi api;
    Cli cli;

    @BeforeEach
    void start() {
        api = new FakeApi().answer(200, "application/json", "{\"count\":0,\"results\":[],\"sessions\":[]}");
        cli = new Cli(api.url() + "/", "aib_k3x7_secret");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void interceptionsListBuildsQLikeTheReferenceCli() {
        cli.ok("interceptions", "list", "--initiator", "me", "--started-after", "2026-03-01T00:00:00.000Z",
                "--started-before", "2026-03-31T23:59:59.500+02:00", "--provider", "openai", "--model", "gpt \"4\"",
                "--client", "Claude Code", "--after-id", "0B6C1E2A-4F5D-4C3B-9A8E-7D6C5B4A3F21", "--limit", "7");

        FakeApi.Request r = api.requests().get(0);
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.uri().getRawPath()).isEqualTo("/api/v2/aibridge/interceptions");
        assertThat(query(r)).isEqualTo("q=initiator:\"me\" started_before:\"2026-03-31T23:59:59.5+02:00\""
                + " started_after:\"2026-03-01T00:00:00Z\" provider:\"openai\" model:\"gpt \\\"4\\\"\" client:\"Claude Code\""
                + "&limit=7&after_id=0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21");
        assertThat(r.uri().getRawQuery()).doesNotContain("+").contains("%20");
        assertThat(r.header("Authorization")).isEqualTo("Bearer aib_k3x7_secret");
        assertThat(r.header("Accept")).isEqualTo("application/json");
        assertThat(r.header("User-Agent")).startsWith("aibridge-cli/");
    }

    @Test
    void aFractionOfMoreThanNineDigitsIsSentAsItsFirstNine() {
        cli.ok("interceptions", "list", "--started-after", "2026-03-01T00:00:00.1234567891Z",
                "--started-before", "2026-03-02T00:00:00.99999999999+02:00");

        assertThat(query(api.requests().get(0))).isEqualTo("q=started_before:\"2026-03-02T00:00:00.999999999+02:00\""
                + " started_after:\"2026-03-01T00:00:00.123456789Z\"&limit=100");
    }

    @Test
    void withoutFiltersOnlyTheLimitIsSent() {
        cli.ok("interceptions", "list");

        assertThat(query(api.requests().get(0))).isEqualTo("limit=100");
    }

    @Test
    void sessionsShowEncodesTheIdAsOnePathSegment() {
        api.answer(200, "application/json", "{\"id\":\"a b/c\",\"threads\":[]}");

        cli.ok("sessions", "show", "a b/c", "--limit", "5", "--before-id", "0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21");

        FakeApi.Request r = api.requests().get(0);
        assertThat(r.uri().getRawPath()).isEqualTo("/api/v2/aibridge/sessions/a%20b%2Fc");
        assertThat(query(r)).isEqualTo("before_id=0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21&limit=5");
    }

    @Test
    void sessionsListSendsTheWholeCursor() {
        cli.ok("sessions", "list", "--session-id", "cs 1", "--after-session-id", "cs 7", "--after-initiator-id",
                "0B6C1E2A-4F5D-4C3B-9A8E-7D6C5B4A3F21", "--limit", "2");

        assertThat(query(api.requests().get(0))).isEqualTo("q=session_id:\"cs 1\"&limit=2&after_session_id=cs 7"
                + "&after_initiator_id=0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21");
    }

    @Test
    void usageSendsGroupOrderAndFilters() {
        api.answer(200, "application/json", "{\"count\":0,\"totals\":{},\"groups\":[]}");

        cli.ok("usage", "--by", "client", "--order-by", "sessions", "--started-after", "2026-04-01T00:00:00Z", "--limit", "3");

        assertThat(query(api.requests().get(0))).isEqualTo("group_by=client&order_by=sessions&q=started_after:\"2026-04-01T00:00:00Z\"&limit=3");
    }

    @Test
    void usersUpdateSendsOnlyTheChangedFieldsAndNullToClearTheEmail() {
        api.answer(200, "application/json", "{\"username\":\"alice\"}");

        cli.ok("users", "update", "alice", "--role", "auditor", "--email", "");

        FakeApi.Request r = api.requests().get(0);
        assertThat(r.method()).isEqualTo("PATCH");
        assertThat(r.uri().getRawPath()).isEqualTo("/api/v2/users/alice");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo("{\"email\":null,\"role\":\"auditor\"}");
    }

    @Test
    void usersCreateSendsTheNewUser() {
        api.answer(201, "application/json", "{\"username\":\"zoe\"}");

        cli.ok("users", "create", "zoe", "--name", "Zoë", "--email", "zoe@example.com");

        FakeApi.Request r = api.requests().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.body()).isEqualTo("{\"username\":\"zoe\",\"name\":\"Zoë\",\"email\":\"zoe@example.com\",\"role\":\"member\",\"status\":\"active\"}");
    }

    @Test
    void keysCreateSendsTheExpiryAsRfc3339() {
        api.answer(201, "application/json", "{\"id\":\"k1\",\"token\":\"aib_k1_s\"}");

        cli.ok("keys", "create", "alice", "--name", "laptop", "--expires-at", "2099-01-02T03:04:05+01:00");
        cli.ok("keys", "revoke", "alice", "k1");

        assertThat(api.requests().get(0).body()).isEqualTo("{\"name\":\"laptop\",\"expires_at\":\"2099-01-02T03:04:05+01:00\"}");
        assertThat(api.requests().get(1).method()).isEqualTo("DELETE");
        assertThat(api.requests().get(1).uri().getRawPath()).isEqualTo("/api/v2/users/alice/keys/k1");
    }

    @Test
    void aPathPrefixInTheUrlIsKept() {
        Cli prefixed = new Cli(api.url() + "/aibridge", "t");

        prefixed.ok("interceptions", "list");

        assertThat(api.requests().get(0).uri().getRawPath()).isEqualTo("/aibridge/api/v2/aibridge/interceptions");
    }

    private static String query(FakeApi.Request r) {
        return URLDecoder.decode(r.uri().getRawQuery() == null ? "" : r.uri().getRawQuery().replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
