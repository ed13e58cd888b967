package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.RecordedRequest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two more provider instances besides the built-in {@code openai} and {@code anthropic}, as the
 * reference's {@code AIBRIDGE_PROVIDER_<N>_*} configure them: {@code anthropic-corp} and
 * {@code openai-eu}, each with a key of its own. The SDKs reach them under their own prefixes; each
 * request goes upstream with its instance's key, and is recorded and counted under its name with
 * its type as the provider; unknown names and paths get 404 in the right provider's error JSON.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "proxy.providers[0].type", value = "anthropic"),
        @ResourceArg(name = "proxy.providers[0].name", value = "anthropic-corp"),
        @ResourceArg(name = "proxy.providers[0].key", value = ProviderInstancesTest.CORP_KEY),
        @ResourceArg(name = "proxy.providers[0].base-url", value = "{fake}/"),
        @ResourceArg(name = "proxy.providers[1].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[1].name", value = "openai-eu"),
        @ResourceArg(name = "proxy.providers[1].key", value = ProviderInstancesTest.EU_KEY),
        @ResourceArg(name = "proxy.providers[1].base-url", value = "{fake}/v1/")})
class ProviderInstancesTest extends ProxyTestBase {

    static final String CORP_KEY = "sk-ant-api03-corp-account-key-0123456789";
    static final String EU_KEY = "sk-proj-eu-region-key-0123456789abcdef";
    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    private InterceptionStarted started(String model) {
        return (InterceptionStarted) eventsOfModel(model).get(0);
    }

    @Test
    void theAnthropicSdkReachesANamedInstanceWhichUsesItsOwnKeyAndIsRecordedUnderItsName() {
        PrometheusScrape before = scrape();
        AnthropicClient corp = AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(proxy.baseUrl() + "/api/v2/aibridge/anthropic-corp")
                .maxRetries(0).build();
        Message answer = corp.messages().create(MessageCreateParams.builder().model("claude-corp-model").maxTokens(64)
                .addUserMessage("Say hello in French.").build());
        assertThat(answer.content()).isNotEmpty();

        RecordedRequest upstream = onlyUpstreamRequest();
        assertThat(upstream.path()).isEqualTo("/v1/messages");
        assertThat(upstream.header("x-api-key")).isEqualTo(CORP_KEY);
        InterceptionStarted started = started("claude-corp-model");
        assertThat(started.provider()).isEqualTo("anthropic");
        assertThat(started.providerName()).isEqualTo("anthropic-corp");
        assertThat(started.requestPath()).isEqualTo("/v1/messages");
        assertThat(scrape().delta(before, "aibridge_interceptions_total", Map.of("provider", "anthropic-corp", "status", "completed")))
                .isEqualTo(1.0);
    }

    @Test
    void theOpenAiSdkStreamsThroughANamedInstanceAndItsPassthroughRoutesUseItsKeyToo() {
        PrometheusScrape before = scrape();
        OpenAIClient eu = OpenAIOkHttpClient.builder().apiKey(TOKEN).baseUrl(proxy.baseUrl() + "/api/v2/aibridge/openai-eu/v1")
                .maxRetries(0).build();
        long chunks;
        try (StreamResponse<ChatCompletionChunk> stream = eu.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("gpt-eu-model").addUserMessage("hi").build())) {
            chunks = stream.stream().count();
        }
        assertThat(chunks).isPositive();
        RecordedRequest upstream = onlyUpstreamRequest();
        assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + EU_KEY);
        InterceptionStarted started = started("gpt-eu-model");
        assertThat(started.provider()).isEqualTo("openai");
        assertThat(started.providerName()).isEqualTo("openai-eu");
        assertThat(started.streaming()).isTrue();

        FakeProviderTestResource.fake().clear();
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/openai-eu/v1/models", "Authorization", "Bearer " + TOKEN);
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(onlyUpstreamRequest().header("Authorization")).isEqualTo("Bearer " + EU_KEY);
        PrometheusScrape after = scrape();
        assertThat(after.delta(before, "aibridge_interceptions_total", Map.of("provider", "openai-eu"))).isEqualTo(1.0);
        assertThat(after.delta(before, "aibridge_passthrough_total", Map.of("provider", "openai-eu", "route", "/v1/models"))).isEqualTo(1.0);
    }

    @Test
    void theBuiltInProvidersKeepTheirOwnKeys() {
        String request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        assertThat(proxy.post("/api/v2/aibridge/anthropic/v1/messages", request, "x-api-key", TOKEN).statusCode()).isEqualTo(200);
        assertThat(onlyUpstreamRequest().header("x-api-key")).isEqualTo(FakeProviderTestResource.ANTHROPIC_KEY);
    }

    @Test
    void unknownNamesAndPathsAre404InTheRightProvidersErrorJson() {
        String request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        HttpResponse<String> unknown = proxy.post("/api/v2/aibridge/anthropic-other/v1/messages", request, "x-api-key", TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(ProxyClient.json(unknown.body()).path("error").path("code").asText()).as("OpenAI's shape").isEqualTo("unknown_url");

        HttpResponse<String> wrongApi = proxy.post("/api/v2/aibridge/anthropic-corp/v1/chat/completions", request, "x-api-key", TOKEN);
        assertThat(wrongApi.statusCode()).isEqualTo(404);
        assertThat(ProxyClient.json(wrongApi.body()).path("error").path("type").asText()).as("Anthropic's shape").isEqualTo("not_found_error");

        HttpResponse<String> noVersion = proxy.post("/api/v2/aibridge/openai-eu/chat/completions", request, "Authorization", "Bearer " + TOKEN);
        assertThat(noVersion.statusCode()).as("an OpenAI instance's prefix holds the /v1").isEqualTo(404);
        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
    }

}
