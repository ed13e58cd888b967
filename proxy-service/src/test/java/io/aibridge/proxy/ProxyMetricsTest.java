package io.aibridge.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.testing.AlertRules;
import io.aibridge.testing.GrafanaDashboard;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.PromQl;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every metric the proxy promises operators (behaviour reference §13.1, issue 7), scraped from
 * {@code /q/metrics} before and after known traffic: names, label sets and the exact increments.
 * Shares its boot (Kafka, fake provider, MCP servers) with {@link InterceptionTracingTest}; the
 * counters are compared as deltas because the other tests of the boot send traffic too.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
@WithTestResource(McpTestResource.class)
class ProxyMetricsTest extends ProxyTestBase {

    private static final String SESSION = "5f0c8d8e-3f0e-4a8e-9a55-2c1e8b7a6d41";
    private static final String ANTHROPIC_MODEL = "claude-haiku-4-5";
    private static final String OPENAI_MODEL = "untooled-metrics-gpt-4o-mini";

    @Test
    void everyProxyMetricCountsKnownTrafficWithTheReferenceLabelsAndNoUserOrSession() {
        PrometheusScrape before = scrape();

        // a streaming Claude Code request with cache reads and writes: 4 input, 40 output, 30000 read, 1200 written
        ObjectNode cached = Fixture.load(Api.ANTHROPIC_MESSAGES, "cache-tokens").request(true).put("model", ANTHROPIC_MODEL);
        HttpResponse<String> claude = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), cached.toString(),
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01",
                "User-Agent", "claude-cli/2.0.1 (external, cli)", "X-Claude-Code-Session-Id", SESSION);
        // a blocking Chat Completions answer that selects two of the client's own tools
        ObjectNode tools = Fixture.load(Api.OPENAI_CHAT, "tool-calls").request(false).put("model", OPENAI_MODEL);
        HttpResponse<String> chat = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), tools.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        // the provider refuses one with 429
        ObjectNode limited = Fixture.load(Api.OPENAI_CHAT, "error-429").request(false).put("model", OPENAI_MODEL);
        HttpResponse<String> refused = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), limited.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        // a tool loop that runs the injected MCP tool "echo" once
        HttpResponse<String> injected = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo").request(true).toString(),
                McpInjectionTest.headers(Api.ANTHROPIC_MESSAGES, "mcp-echo"));
        // a passthrough request
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/openai/v1/models",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(List.of(claude.statusCode(), chat.statusCode(), refused.statusCode(), injected.statusCode(), models.statusCode()))
                .containsExactly(200, 200, 429, 200, 200);
        int events = 0;
        for (HttpResponse<String> r : List.of(claude, chat, refused, injected)) {
            events += EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20)).size();
        }
        int published = events;
        PrometheusScrape after = await().atMost(Duration.ofSeconds(20)).until(this::scrape,
                s -> s.delta(before, "aibridge_events_published_total", Map.of()) >= published
                        && s.value("aibridge_events_waiting", Map.of()) == 0);

        // interceptions by outcome, with the reference's six labels
        Map<String, String> claudeLabels = Map.of("provider", "anthropic", "model", ANTHROPIC_MODEL, "route", "/v1/messages");
        assertThat(after.labelNames("aibridge_interceptions_total"))
                .containsExactlyInAnyOrder("provider", "model", "status", "route", "method", "client");
        assertThat(after.delta(before, "aibridge_interceptions_total", with(claudeLabels,
                "status", "completed", "method", "POST", "client", "Claude Code"))).isEqualTo(1.0);
        Map<String, String> chatLabels = Map.of("provider", "openai", "model", OPENAI_MODEL, "route", "/v1/chat/completions");
        assertThat(after.delta(before, "aibridge_interceptions_total", with(chatLabels, "status", "completed"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_interceptions_total", with(chatLabels, "status", "failed"))).isEqualTo(1.0);

        // nothing left in flight
        assertThat(after.labelNames("aibridge_interceptions_inflight")).containsExactlyInAnyOrder("provider", "model", "route");
        assertThat(after.value("aibridge_interceptions_inflight", claudeLabels)).isZero();
        assertThat(after.value("aibridge_interceptions_inflight", chatLabels)).isZero();

        // the duration histogram has the reference's buckets; the time to first byte is observed per interception
        assertThat(after.series("aibridge_interceptions_duration_seconds_bucket", Map.of("provider", "anthropic", "model", ANTHROPIC_MODEL)))
                .extracting(s -> Double.parseDouble(s.labels().get("le").replace("+Inf", "Infinity")))
                .containsExactlyInAnyOrder(0.5, 2.0, 5.0, 15.0, 30.0, 60.0, 120.0, Double.POSITIVE_INFINITY);
        assertThat(after.delta(before, "aibridge_interceptions_duration_seconds_count", Map.of("model", ANTHROPIC_MODEL))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_interceptions_duration_seconds_count", Map.of("model", OPENAI_MODEL))).isEqualTo(2.0);
        assertThat(after.delta(before, "aibridge_interceptions_duration_seconds_sum", Map.of("model", ANTHROPIC_MODEL)))
                .isPositive().isLessThan(20.0);
        assertThat(after.delta(before, "aibridge_interceptions_ttfb_seconds_count",
                Map.of("provider", "anthropic", "route", "/v1/messages"))).isGreaterThanOrEqualTo(2.0);

        // prompts and tokens by type
        Map<String, String> claudeCode = with(claudeLabels, "client", "Claude Code");
        claudeCode.remove("route");
        assertThat(after.delta(before, "aibridge_prompts_total", claudeCode)).isEqualTo(1.0);
        assertThat(after.labelNames("aibridge_tokens_total")).containsExactlyInAnyOrder("provider", "model", "type", "client");
        assertThat(after.delta(before, "aibridge_tokens_total", with(claudeCode, "type", "input"))).isEqualTo(4.0);
        assertThat(after.delta(before, "aibridge_tokens_total", with(claudeCode, "type", "output"))).isEqualTo(40.0);
        assertThat(after.delta(before, "aibridge_tokens_total", with(claudeCode, "type", "cache_read_input_tokens")))
                .isEqualTo(30_000.0);
        assertThat(after.delta(before, "aibridge_tokens_total", with(claudeCode, "type", "cache_write_input_tokens")))
                .isEqualTo(1_200.0);

        // tool calls: the client's own, and the injected one with its server's URL
        Map<String, String> openAi = Map.of("provider", "openai", "model", OPENAI_MODEL);
        assertThat(after.delta(before, "aibridge_non_injected_tool_selections_total", with(openAi, "name", "get_weather"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_non_injected_tool_selections_total", with(openAi, "name", "get_time"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_injected_tool_invocations_total",
                Map.of("provider", "anthropic", "server", McpTestResource.server().url(), "name", "echo"))).isEqualTo(1.0);

        // passthrough, upstream errors by status, events
        assertThat(after.delta(before, "aibridge_passthrough_total",
                Map.of("provider", "openai", "route", "/v1/models", "method", "GET"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_upstream_errors_total",
                Map.of("provider", "openai", "route", "/v1/chat/completions", "status", "429"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_events_published_total", Map.of())).isGreaterThanOrEqualTo(events);
        assertThat(after.type("aibridge_events_waiting")).isEqualTo("gauge");

        // cardinality: no user, key, session or interception id, as a label name or a value
        Set<String> forbiddenValues = Set.of(BootstrapAdmin.USER_ID.toString(), BootstrapAdmin.KEY_ID, SESSION,
                ProxyClient.interceptionId(claude).toString(), FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(after.samples()).filteredOn(s -> s.name().startsWith("aibridge_")).allSatisfy(s -> {
            assertThat(s.labels().keySet()).as(s.name()).noneMatch(k -> k.contains("user") || k.contains("initiator")
                    || k.contains("session") || k.contains("key") || k.contains("interception") || k.contains("conversation"));
            assertThat(s.labels().values()).as(s.name()).doesNotContainAnyElementsOf(forbiddenValues);
        });
    }

    @Test
    void everyProxyMetricTheGrafanaDashboardChartsOrAnAlertReadsIsExported() {
        proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "error-429").request(false)
                .put("model", OPENAI_MODEL).toString(), "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        proxy.get("/api/v2/aibridge/openai/v1/models", "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        // an answer with usage, for the token counter: this test must not depend on running after the one above
        proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "tool-calls").request(false)
                .put("model", OPENAI_MODEL).toString(), "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(AlertRules.load().metricNames()).as("the alerting rules watch the proxy's recording").contains("aibridge_events_dropped_total",
                "aibridge_spool_bytes", "aibridge_spool_limit_bytes", "aibridge_events_spooling", "aibridge_upstream_errors_total");
        Set<String> charted = GrafanaDashboard.load().metricNames();
        assertThat(charted).as("the dashboard charts the proxy").contains("aibridge_interceptions_total",
                "aibridge_interceptions_duration_seconds_bucket", "aibridge_interceptions_ttfb_seconds_bucket", "aibridge_events_waiting");
        Set<String> exported = await().atMost(Duration.ofSeconds(20)).until(() -> scrape().names(),
                names -> names.contains("aibridge_upstream_errors_total") && names.contains("aibridge_events_published_total")
                        && names.contains("aibridge_tokens_total"));
        // aibridge_recorder_* are recorder-service's (its HealthAndMetricsTest checks them), aibridge_dbpurge_*
        // retention-service's (its HealthAndMetricsTest); the circuit breakers'
        // exist only while breakers are on (CircuitBreakerTest checks them), the retries' once a call was retried,
        // which these tests turn off (UpstreamRetryTest checks them), the Bedrock credentials' only for a Bedrock
        // instance (BedrockTest checks them)
        assertThat(charted).contains("aibridge_provider_keys", "aibridge_provider_key_forbidden_models", "aibridge_provider_key_failovers_total");
        assertThat(PromQl.monitoredMetricNames().stream().filter(name -> !name.startsWith("aibridge_recorder_") && !name.startsWith("aibridge_dbpurge_")
                        && !name.startsWith("aibridge_circuit_breaker_")
                        && !name.equals("aibridge_upstream_retries_total") && !name.startsWith("aibridge_bedrock_")))
                .allSatisfy(name ->
                assertThat(exported).as("exported by proxy-service").contains(name));
    }

    // ------------------------------------------------------------------------------- helpers

    private static Map<String, String> with(Map<String, String> labels, String... more) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        for (int i = 0; i < more.length; i += 2) {
            all.put(more[i], more[i + 1]);
        }
        return all;
    }
}
