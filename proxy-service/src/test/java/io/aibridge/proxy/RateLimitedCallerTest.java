package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code AIBRIDGE_RATE_LIMIT=3}: a caller that sends faster than three requests a second is refused
 * with 429 in its provider's error JSON and {@code Retry-After}, before anything reaches the provider
 * or is recorded; other callers, told apart by API key or, without a valid one, by address, keep their
 * own allowance; the OpenAI SDK reports the refusal as a rate limit.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = @ResourceArg(name = "rate-limit", value = "3"))
class RateLimitedCallerTest {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;
    private static final int RATE = 3;

    @TestHTTPResource("/")
    URL proxyUrl;

    private ProxyClient proxy;

    @BeforeEach
    void setUp() throws InterruptedException {
        proxy = new ProxyClient(proxyUrl.toString());
        FakeProviderTestResource.fake().clear();
        Thread.sleep(1_100); // every caller's allowance is whole again
    }

    /** Sends {@code n} requests back to back; the statuses, and how many the bucket may have refilled meanwhile. */
    private record Burst(List<HttpResponse<String>> responses, int refilled) {

        long count(int status) {
            return responses.stream().filter(r -> r.statusCode() == status).count();
        }
    }

    private Burst burst(int n, String... headers) {
        return burst(n, i -> headers);
    }

    /** The same, with the headers of the i-th request. */
    private Burst burst(int n, IntFunction<String[]> headers) {
        String request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        List<HttpResponse<String>> responses = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            responses.add(proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request, headers.apply(i)));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Burst(responses, (int) Math.ceil(seconds * RATE));
    }

    @Test
    void aCallerOverTheRateIsRefusedWith429InItsProvidersErrorJsonAndNothingIsForwardedOrRecorded() {
        PrometheusScrape before = scrape();
        Burst burst = burst(12, "x-api-key", TOKEN);

        long served = burst.count(200);
        long refused = burst.count(429);
        assertThat(served + refused).isEqualTo(12);
        assertThat(served).as("the burst allowance, plus what refilled during the burst").isBetween((long) RATE, (long) RATE + burst.refilled());
        assertThat(refused).isPositive();
        HttpResponse<String> first = burst.responses().stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(first.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).as("nothing recorded").isEmpty();
        JsonNode error = ProxyClient.json(first.body());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.path("error").path("message").asText()).contains("more than 3 requests per second");
        assertThat(FakeProviderTestResource.fake().requests()).as("only the served requests reached the provider").hasSize((int) served);
        assertThat(scrape().delta(before, "aibridge_rate_limited_total", Map.of())).isEqualTo((double) refused);
        assertThat(scrape().value("aibridge_rate_limit", Map.of())).isEqualTo(3.0);
    }

    @Test
    void callersAreToldApartByKeyAndWithoutAValidOneByAddress() {
        assertThat(burst(8, "x-api-key", TOKEN).count(429)).isPositive();

        Burst noToken = burst(8);
        assertThat(noToken.count(401)).as("no token: the client address's allowance, not the key's")
                .isBetween((long) RATE, (long) RATE + noToken.refilled());
        assertThat(noToken.count(429)).isPositive();
    }

    @Test
    void aNewMadeUpTokenPerRequestDoesNotEscapeTheAddresssAllowance() {
        Burst junk = burst(8, i -> new String[] {"x-api-key", "made-up-token-" + UUID.randomUUID()});
        assertThat(junk.count(401) + junk.count(429)).isEqualTo(8);
        assertThat(junk.count(401)).as("tokens that are not bridge keys count against the address")
                .isBetween((long) RATE, (long) RATE + junk.refilled());
        HttpResponse<String> refused = junk.responses().stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(ProxyClient.json(refused.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(ProxyClient.json(refused.body()).path("error").path("message").asText()).contains("without a valid API key");
        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
    }

    @Test
    void theOpenAiSdkReportsTheRefusalAsARateLimit() {
        OpenAIClient openai = OpenAIOkHttpClient.builder().apiKey(TOKEN)
                .baseUrl(proxy.baseUrl() + "/api/v2/aibridge/openai/v1").maxRetries(0).build();
        assertThat(burst(8, "x-api-key", TOKEN).count(429)).isPositive();
        assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("hi").build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).hasValue("rate_limit_exceeded");
                });
    }

    private PrometheusScrape scrape() {
        return PrometheusScrape.parse(proxy.get("/q/metrics").body());
    }
}
