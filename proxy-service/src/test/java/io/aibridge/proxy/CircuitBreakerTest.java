package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.proxy.route.CircuitBreakers;
import io.aibridge.testing.GrafanaDashboard;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code AIBRIDGE_CIRCUIT_BREAKER_ENABLED=true} with a threshold of 3, a 2 s timeout and one probe:
 * the provider's 429, 503 and 529 answers for one model open its breaker; the next request is refused
 * with 503 in the provider's error JSON and {@code Retry-After}, without reaching the provider, and is
 * recorded as a failed interception; other models keep working; after the timeout one probe closes
 * it again. Statuses the reference does not count (500, an error inside a stream that started with
 * 200) never open it. Each test uses models of its own, so each has breakers of its own.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "proxy.circuit-breaker.enabled", value = "true"),
        @ResourceArg(name = "proxy.circuit-breaker.failure-threshold", value = "3"),
        @ResourceArg(name = "proxy.circuit-breaker.interval", value = "0"),
        @ResourceArg(name = "proxy.circuit-breaker.timeout", value = "2s"),
        @ResourceArg(name = "proxy.circuit-breaker.max-requests", value = "1")})
class CircuitBreakerTest extends ProxyTestBase {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    private HttpResponse<String> anthropic(String model, String scenario) {
        ObjectNode body = (ObjectNode) Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false);
        body.put("model", model);
        return proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), body.toString(), "x-api-key", TOKEN,
                FakeProvider.SCENARIO_HEADER, scenario);
    }

    private static Map<String, String> breaker(String provider, String endpoint, String model) {
        return Map.of("provider", provider, "endpoint", endpoint, "model", model);
    }

    @Test
    void threeOverloadedAnswersOpenTheBreakerOfThatModelWhichThenRefusesAndRecordsUntilAProbeSucceeds() {
        String model = "claude-breaker-opens";
        Map<String, String> labels = breaker("anthropic", "/v1/messages", model);
        PrometheusScrape before = scrape();
        assertThat(anthropic(model, "error-429").statusCode()).isEqualTo(429);
        assertThat(anthropic(model, "error-529").statusCode()).isEqualTo(529);
        assertThat(scrape().value("aibridge_circuit_breaker_state", labels)).as("two failures: still closed").isZero();
        assertThat(anthropic(model, "error-429").statusCode()).isEqualTo(429);
        assertThat(scrape().value("aibridge_circuit_breaker_state", labels)).isEqualTo(1.0);

        HttpResponse<String> refused = anthropic(model, "text");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 2));
        JsonNode error = ProxyClient.json(refused.body());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(error.path("error").path("message").asText()).isEqualTo(CircuitBreakers.MESSAGE);
        assertThat(FakeProviderTestResource.fake().requests()).as("the refused request never reached the provider").hasSize(3);

        List<io.aibridge.events.InterceptionEvent> events = EventTail.of(bootstrapServers)
                .awaitEnded(ProxyClient.interceptionId(refused), Duration.ofSeconds(20));
        assertThat(ProxyClient.summary(events)).containsExactly("started", "ended failed 503 circuit_open");
        assertThat(((InterceptionStarted) events.get(0)).model()).isEqualTo(model);

        assertThat(anthropic("claude-breaker-other", "text").statusCode()).as("another model has its own breaker").isEqualTo(200);

        PrometheusScrape open = scrape();
        assertThat(open.delta(before, "aibridge_circuit_breaker_trips_total", labels)).isEqualTo(1.0);
        assertThat(open.delta(before, "aibridge_circuit_breaker_rejects_total", labels)).isEqualTo(1.0);
        assertThat(open.delta(before, "aibridge_interceptions_total", Map.of("model", model, "status", "failed")))
                .as("three provider errors and the refusal").isEqualTo(4.0);

        await().atMost(Duration.ofSeconds(5)).until(() -> scrape().value("aibridge_circuit_breaker_state", labels) == 0.5);
        HttpResponse<String> probe = anthropic(model, "text");
        assertThat(probe.statusCode()).as("half-open: the probe goes through").isEqualTo(200);
        assertThat(scrape().value("aibridge_circuit_breaker_state", labels)).as("and closes it").isZero();
        assertThat(anthropic(model, "text").statusCode()).isEqualTo(200);
    }

    @Test
    void statusesTheReferenceDoesNotCountNeverOpenIt() {
        String model = "gpt-breaker-stays-closed";
        ObjectNode body = (ObjectNode) Fixture.load(Api.OPENAI_CHAT, "text").request(false);
        body.put("model", model);
        for (int i = 0; i < 4; i++) {
            assertThat(proxy.post(ProxyClient.path(Api.OPENAI_CHAT), body.toString(), "Authorization", "Bearer " + TOKEN,
                    FakeProvider.SCENARIO_HEADER, "error-500").statusCode()).isEqualTo(500);
        }
        ObjectNode stream = (ObjectNode) Fixture.load(Api.OPENAI_CHAT, "text").request(true);
        stream.put("model", model);
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> failedStream = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), stream.toString(),
                    "Authorization", "Bearer " + TOKEN, FakeProvider.SCENARIO_HEADER, "stream-error");
            assertThat(failedStream.statusCode()).as("an error after the stream started is written with 200").isEqualTo(200);
        }
        assertThat(proxy.post(ProxyClient.path(Api.OPENAI_CHAT), body.toString(), "Authorization", "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
        assertThat(scrape().value("aibridge_circuit_breaker_state", breaker("openai", "/v1/chat/completions", model))).isZero();
    }

    @Test
    void theSdksSeeTheRefusalAsAServiceUnavailableInTheirProvidersShape() {
        String base = proxy.baseUrl();
        OpenAIClient openai = OpenAIOkHttpClient.builder().apiKey(TOKEN).baseUrl(base + "/api/v2/aibridge/openai/v1").maxRetries(0).build();
        ChatCompletionCreateParams overloaded = ChatCompletionCreateParams.builder().model("gpt-breaker-sdk")
                .addUserMessage("hi [scenario:error-429]").build();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> openai.chat().completions().create(overloaded)).isInstanceOf(RateLimitException.class);
        }
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-breaker-sdk")
                .addUserMessage("hi").build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.code()).hasValue("service_unavailable");
                    assertThat(e.getMessage()).contains(CircuitBreakers.MESSAGE);
                });

        AnthropicClient anthropic = AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(base + "/api/v2/aibridge/anthropic")
                .maxRetries(0).build();
        MessageCreateParams overloadedStream = MessageCreateParams.builder().model("claude-breaker-sdk").maxTokens(64)
                .addUserMessage("hi [scenario:error-529]").build();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> {
                try (StreamResponse<RawMessageStreamEvent> events = anthropic.messages().createStreaming(overloadedStream)) {
                    events.stream().count();
                }
            }).isInstanceOfSatisfying(AnthropicServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(529));
        }
        assertThatThrownBy(() -> {
            try (StreamResponse<RawMessageStreamEvent> events = anthropic.messages().createStreaming(MessageCreateParams.builder()
                    .model("claude-breaker-sdk").maxTokens(64).addUserMessage("hi").build())) {
                events.stream().count();
            }
        }).isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(503);
            assertThat(e.apiMessage()).hasValue(CircuitBreakers.MESSAGE);
            assertThat(e.headers().values("Retry-After")).isNotEmpty();
        });
    }

    @Test
    void theDashboardChartsTheBreakersMetrics() {
        String model = "claude-breaker-dashboard";
        anthropic(model, "error-429");
        java.util.Set<String> charted = GrafanaDashboard.load().metricNames();
        assertThat(charted).contains("aibridge_circuit_breaker_state", "aibridge_circuit_breaker_rejects_total");
        assertThat(charted.stream().filter(name -> name.startsWith("aibridge_circuit_breaker_")))
                .allSatisfy(name -> assertThat(scrape().names()).as("exported by proxy-service").contains(name));
    }

}
