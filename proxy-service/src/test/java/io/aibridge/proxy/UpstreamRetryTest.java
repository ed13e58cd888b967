package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.RecordedRequest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transient provider failures are retried as the providers' SDKs (and so the reference) retry them,
 * with the shipped two retries: before the client has seen anything, the failed answer is dropped
 * and the same request is sent again; the client sees one answer and one interception is recorded,
 * and the retries are counted. The SDKs here never retry themselves ({@code maxRetries(0)}), so
 * every extra call the fake provider receives is the proxy's.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = @ResourceArg(name = "proxy.upstream.max-retries", value = "2"))
class UpstreamRetryTest extends ProxyTestBase {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    private static InterceptionEnded ended(List<InterceptionEvent> events) {
        return events.stream().filter(InterceptionEnded.class::isInstance).map(InterceptionEnded.class::cast).findFirst().orElseThrow();
    }

    @Test
    void twoServiceUnavailableAnswersAreRetriedAndTheOpenAiSdkGetsTheThirdAnswer() {
        PrometheusScrape before = scrape();
        OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(proxy.baseUrl() + "/api/v2/aibridge/openai/v1").apiKey(TOKEN)
                .putHeader(FakeProvider.FLAKY_HEADER, "chat-503,2,503,20").maxRetries(0).build();
        ChatCompletion answer = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-retried")
                .addUserMessage("hello").build());
        assertThat(answer.choices()).isNotEmpty();

        List<RecordedRequest> calls = FakeProviderTestResource.fake().requests();
        assertThat(calls).hasSize(3);
        assertThat(calls).extracting(RecordedRequest::bodyAsString).as("the same request each time").containsOnly(calls.get(0).bodyAsString());
        assertThat(calls.get(2).header("Authorization")).isEqualTo("Bearer " + FakeProviderTestResource.OPENAI_KEY);
        assertThat(calls.get(2).headers().get("content-length")).as("headers are not doubled on a retry").hasSize(1);

        List<InterceptionEvent> events = eventsOfModel("gpt-retried");
        assertThat(events.stream().filter(e -> e instanceof io.aibridge.events.InterceptionStarted)).as("one interception").hasSize(1);
        assertThat(ended(events).status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(ended(events).httpStatus()).isEqualTo(200);
        PrometheusScrape after = scrape();
        Map<String, String> labels = Map.of("provider", "openai", "route", "/v1/chat/completions", "status", "503");
        assertThat(after.delta(before, "aibridge_upstream_retries_total", labels)).isEqualTo(2.0);
        assertThat(after.delta(before, "aibridge_upstream_errors_total", labels)).isEqualTo(2.0);
        assertThat(io.aibridge.testing.GrafanaDashboard.load().metricNames()).as("the dashboard charts the retries")
                .contains("aibridge_upstream_retries_total");
    }

    @Test
    void aRetriedAnswersLargeBodyIsCutNotReadBeforeTheRetry() {
        long large = 64L * 1024 * 1024;
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false)
                        .put("model", "gpt-large-503").toString(), "Authorization", "Bearer " + TOKEN,
                FakeProvider.FLAKY_HEADER, "chat-large-503,1,503,1", FakeProvider.ERROR_BODY_BYTES_HEADER, String.valueOf(large));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(FakeProviderTestResource.fake().requests()).hasSize(2);
        // past 64 KiB the connection is closed: what the provider got out is that plus what the sockets held
        assertThat(FakeProviderTestResource.fake().errorBodyBytesSent()).isLessThan(large / 2);
    }

    @Test
    void aConnectionClosedBeforeTheAnswerIsRetriedAndTheAnthropicSdkStreamsTheAnswer() {
        PrometheusScrape before = scrape();
        AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(proxy.baseUrl() + "/api/v2/aibridge/anthropic").apiKey(TOKEN)
                .putHeader(FakeProvider.FLAKY_HEADER, "stream-close,1,close").maxRetries(0).build();
        long events;
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(MessageCreateParams.builder()
                .model("claude-retried").maxTokens(64).addUserMessage("hello").build())) {
            events = stream.stream().count();
        }
        assertThat(events).isPositive();
        assertThat(FakeProviderTestResource.fake().requests()).hasSize(2);
        assertThat(ended(eventsOfModel("claude-retried")).status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(scrape().delta(before, "aibridge_upstream_retries_total",
                Map.of("provider", "anthropic", "route", "/v1/messages", "status", "0"))).isEqualTo(1.0);
    }

    @Test
    void whenTheRetriesAreUsedUpTheProvidersLastAnswerIsRelayedAndRecorded() {
        AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(proxy.baseUrl() + "/api/v2/aibridge/anthropic").apiKey(TOKEN)
                .putHeader(FakeProvider.FLAKY_HEADER, "overloaded,5,529,10").maxRetries(0).build();
        assertThatThrownBy(() -> anthropic.messages().create(MessageCreateParams.builder().model("claude-overloaded").maxTokens(64)
                .addUserMessage("hello").build()))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(529))
                .hasMessageContaining("flaky: 529");
        assertThat(FakeProviderTestResource.fake().requests()).as("the first call and two retries").hasSize(3);
        InterceptionEnded end = ended(eventsOfModel("claude-overloaded"));
        assertThat(end.status()).isEqualTo(EndStatus.FAILED);
        assertThat(end.httpStatus()).isEqualTo(529);
    }

    @Test
    void aRateLimitThatAsksForALongWaitIsRelayedAtOnceForTheClientToWait() {
        HttpResponse<String> r = proxy.post("/api/v2/aibridge/openai/v1/chat/completions",
                "{\"model\":\"gpt-long-wait\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
                "Authorization", "Bearer " + TOKEN, FakeProvider.FLAKY_HEADER, "long-wait,1,429,20000");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after-ms")).as("the provider's wait reaches the client's SDK").contains("20000");
        assertThat(FakeProviderTestResource.fake().requests()).as("not retried: the client waits, once").hasSize(1);
        assertThat(ended(eventsOfModel("gpt-long-wait")).httpStatus()).isEqualTo(429);
    }

    @Test
    void aClientErrorIsNeverRetried() {
        String request = Fixture.load(Api.OPENAI_CHAT, "error-400").request(false).toString();
        HttpResponse<String> r = proxy.post("/api/v2/aibridge/openai/v1/chat/completions", request, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(FakeProviderTestResource.fake().requests()).hasSize(1);
    }

    @Test
    void aClientThatLeavesDuringTheWaitEndsTheInterceptionAndNoRetryIsSent() throws Exception {
        String request = "{\"model\":\"gpt-left-waiting\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        try (Socket socket = proxy.openPost("/api/v2/aibridge/openai/v1/chat/completions", request, "Authorization", "Bearer " + TOKEN,
                FakeProvider.FLAKY_HEADER, "left,1,503,1500")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (FakeProviderTestResource.fake().requests().isEmpty() && System.nanoTime() < deadline) {
                ProxyClient.sleep(10);
            }
            assertThat(FakeProviderTestResource.fake().requests()).hasSize(1);
        }
        InterceptionEnded end = ended(eventsOfModel("gpt-left-waiting"));
        assertThat(end.status()).isEqualTo(EndStatus.CANCELLED);
        ProxyClient.sleep(2_000);
        assertThat(FakeProviderTestResource.fake().requests()).as("the retry due after 1.5 s was never sent").hasSize(1);
    }

}
