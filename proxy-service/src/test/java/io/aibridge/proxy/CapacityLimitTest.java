package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.proxy.route.CapacityLimit;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code AIBRIDGE_MAX_CONCURRENCY=2}: the request over the bound is refused at once with a 503 in its
 * provider's error JSON and {@code Retry-After}, before its body is read and without reaching the
 * provider or being recorded; every way a request can end gives its place back exactly once; and the
 * providers' SDKs report the refusal, and get through by retrying once a place frees.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = @ResourceArg(name = "max-concurrency", value = "2"))
class CapacityLimitTest {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;
    private static final String REFUSED = "aibridge_capacity_refused_total";

    @TestHTTPResource("/")
    URL proxyUrl;

    @Inject
    CapacityLimit capacity;

    private ProxyClient proxy;
    private final List<Socket> held = new ArrayList<>();

    @BeforeEach
    void setUp() {
        proxy = new ProxyClient(proxyUrl.toString());
        FakeProviderTestResource.fake().clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> capacity.inFlight() == 0);
    }

    @AfterEach
    synchronized void hangUp() throws IOException {
        for (Socket socket : held) {
            socket.close();
        }
        held.clear();
    }

    @Test
    void refusesTheRequestOverTheLimitInItsProvidersErrorJsonWithoutReadingOrForwardingIt() throws Exception {
        holdTwoStreams();
        PrometheusScrape before = scrape();
        assertThat(before.value("aibridge_capacity_inflight", Map.of())).isEqualTo(2.0);
        assertThat(before.value("aibridge_capacity_limit", Map.of())).isEqualTo(2.0);

        HttpResponse<String> anthropic = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(), "x-api-key", TOKEN);
        assertThat(anthropic.statusCode()).isEqualTo(503);
        assertThat(anthropic.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(anthropic.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).as("nothing recorded").isEmpty();
        JsonNode error = ProxyClient.json(anthropic.body());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(error.path("error").path("message").asText()).isEqualTo(CapacityLimit.MESSAGE);

        HttpResponse<String> openai = proxy.post(ProxyClient.path(Api.OPENAI_CHAT),
                Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(), "Authorization", "Bearer " + TOKEN);
        assertThat(openai.statusCode()).isEqualTo(503);
        JsonNode openAiError = ProxyClient.json(openai.body()).path("error");
        assertThat(openAiError.path("message").asText()).isEqualTo(CapacityLimit.MESSAGE);
        assertThat(openAiError.path("type").asText()).isEqualTo("server_error");
        assertThat(openAiError.path("code").asText()).isEqualTo("service_unavailable");

        assertThat(proxy.get("/api/v2/aibridge/openai/v1/models", "Authorization", "Bearer " + TOKEN).statusCode())
                .as("passthrough requests count too").isEqualTo(503);
        assertThat(proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), "x".repeat(FakeProviderTestResource.MAX_BODY + 1),
                "x-api-key", TOKEN).statusCode()).as("refused before the body is read: not 413").isEqualTo(503);
        assertThat(proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), "{}").statusCode())
                .as("checked before the caller is authenticated").isEqualTo(503);

        assertThat(scrape().delta(before, REFUSED, Map.of())).isEqualTo(5.0);
        assertThat(FakeProviderTestResource.fake().requests()).as("only the two held streams reached the provider").hasSize(2);

        hangUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> capacity.inFlight() == 0);
        HttpResponse<String> after = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(), "x-api-key", TOKEN);
        assertThat(after.statusCode()).as("served again once the held streams are gone").isEqualTo(200);
        // the place comes back when the server has finished writing, which may be just after the client has read it all
        await().atMost(Duration.ofSeconds(5)).until(() -> capacity.inFlight() == 0);
    }

    @Test
    void everyWayARequestEndsGivesItsPlaceBackExactlyOnce() throws Exception {
        String anthropicPath = ProxyClient.path(Api.ANTHROPIC_MESSAGES);
        String request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        assertThat(proxy.post("/api/v2/aibridge/anthropic/v1/no-such-route", request, "x-api-key", TOKEN).statusCode()).isEqualTo(404);
        assertThat(proxy.post(anthropicPath, "{not json", "x-api-key", TOKEN).statusCode()).isEqualTo(400);
        assertThat(proxy.post(anthropicPath, "x".repeat(FakeProviderTestResource.MAX_BODY + 1), "x-api-key", TOKEN).statusCode()).isEqualTo(413);
        assertThat(proxy.post(anthropicPath, request, "x-api-key", "not-a-bridge-token").statusCode()).isEqualTo(401);
        assertThat(proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "error-429").request(false).toString(),
                "Authorization", "Bearer " + TOKEN).statusCode()).as("the provider's own error").isEqualTo(429);
        assertThat(proxy.post(anthropicPath, Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true).toString(),
                "x-api-key", TOKEN).statusCode()).as("a whole stream").isEqualTo(200);
        assertThat(proxy.get("/api/v2/aibridge/anthropic/v1/models", "x-api-key", TOKEN).statusCode()).isEqualTo(200);
        try (Socket socket = open(Api.ANTHROPIC_MESSAGES, FakeProvider.CHUNK_DELAY_HEADER, "400")) {
            ProxyClient.readUntil(socket.getInputStream(), "content_block_delta"); // the client hangs up mid-stream
        }
        try (Socket socket = open(Api.ANTHROPIC_MESSAGES, FakeProvider.TTFB_HEADER, "1000")) {
            Thread.sleep(200); // and before the answer started
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> capacity.inFlight() == 0);

        // a place given back twice would let a third request in beside two held ones
        holdTwoStreams();
        assertThat(proxy.post(anthropicPath, request, "x-api-key", TOKEN).statusCode()).isEqualTo(503);
    }

    @Test
    void theSdksReportTheRefusalAndGetThroughByRetryingOnceAPlaceFrees() throws Exception {
        String base = proxy.baseUrl();
        MessageCreateParams message = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(64)
                .addUserMessage("Say hello in French.").build();
        holdTwoStreams();

        OpenAIClient openai = OpenAIOkHttpClient.builder().apiKey(TOKEN).baseUrl(base + "/api/v2/aibridge/openai/v1").maxRetries(0).build();
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("hi").build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.code()).hasValue("service_unavailable");
                    assertThat(e.getMessage()).contains(CapacityLimit.MESSAGE);
                });
        AnthropicClient once = AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(base + "/api/v2/aibridge/anthropic").maxRetries(0).build();
        assertThatThrownBy(() -> once.messages().create(message))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.apiMessage()).hasValue(CapacityLimit.MESSAGE);
                });

        PrometheusScrape before = scrape();
        CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS).execute(() -> {
            try {
                hangUp();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        AnthropicClient retrying = AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(base + "/api/v2/aibridge/anthropic")
                .maxRetries(5).build();
        Message answer = retrying.messages().create(message);
        assertThat(answer.content()).isNotEmpty();
        assertThat(answer.usage().outputTokens()).isPositive();
        assertThat(scrape().delta(before, REFUSED, Map.of())).as("refused at least once before it got through").isPositive();
    }

    // ------------------------------------------------------------------------------- helpers

    /** Two Anthropic streams that stay open (ten frames, one a second) until {@link #hangUp()}. */
    private synchronized void holdTwoStreams() throws IOException {
        for (int i = 0; i < 2; i++) {
            Socket socket = open(Api.ANTHROPIC_MESSAGES, FakeProvider.CHUNK_DELAY_HEADER, "1000");
            held.add(socket);
            assertThat(ProxyClient.readUntil(socket.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> capacity.inFlight() == 2);
    }

    /** A raw HTTP/1.1 streaming request, so that the test decides when the client hangs up. */
    private Socket open(Api api, String... headers) throws IOException {
        String[] all = new String[headers.length + 2];
        all[0] = "x-api-key";
        all[1] = TOKEN;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return proxy.openPost(ProxyClient.path(api), Fixture.load(api, "text").request(true).toString(), all);
    }

    private PrometheusScrape scrape() {
        return PrometheusScrape.parse(proxy.get("/q/metrics").body());
    }
}
