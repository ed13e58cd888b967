package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.proxy.upstream.CredentialHint;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.RecordedRequest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Several keys per provider instance ({@code AIBRIDGE_PROVIDER_<N>_KEYS}), with the official SDKs
 * pointed at the proxy: a key the provider answers 429, 401 or 403 for is set aside (after a 403
 * for that model only) and the same request goes again at once with the next key, invisibly to the
 * caller; later requests start with
 * a key that is not cooling down; when every key is turned away the caller gets the provider's own
 * answer. The fake provider refuses the keys a request's {@value FakeProvider#REFUSED_KEYS_HEADER}
 * lists. Each test has an instance of its own, as cooling keys outlive a request.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "proxy.providers[0].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[0].name", value = "openai-pool"),
        @ResourceArg(name = "proxy.providers[0].keys", value = KeyFailoverTest.A + " , " + KeyFailoverTest.B + "," + KeyFailoverTest.C),
        @ResourceArg(name = "proxy.providers[0].base-url", value = "{fake}/v1/"),
        @ResourceArg(name = "proxy.providers[1].type", value = "anthropic"),
        @ResourceArg(name = "proxy.providers[1].name", value = "anthropic-pool"),
        @ResourceArg(name = "proxy.providers[1].keys", value = KeyFailoverTest.ANT_A + "," + KeyFailoverTest.ANT_B),
        @ResourceArg(name = "proxy.providers[1].base-url", value = "{fake}/"),
        @ResourceArg(name = "proxy.providers[2].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[2].name", value = "openai-revoked"),
        @ResourceArg(name = "proxy.providers[2].keys", value = KeyFailoverTest.A + "," + KeyFailoverTest.B),
        @ResourceArg(name = "proxy.providers[2].base-url", value = "{fake}/v1/"),
        @ResourceArg(name = "proxy.providers[3].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[3].name", value = "openai-models"),
        @ResourceArg(name = "proxy.providers[3].keys", value = KeyFailoverTest.A + "," + KeyFailoverTest.B),
        @ResourceArg(name = "proxy.providers[3].base-url", value = "{fake}/v1/"),
        @ResourceArg(name = "proxy.providers[4].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[4].name", value = "openai-large-refusal"),
        @ResourceArg(name = "proxy.providers[4].keys", value = KeyFailoverTest.A + "," + KeyFailoverTest.B),
        @ResourceArg(name = "proxy.providers[4].base-url", value = "{fake}/v1/"),
        @ResourceArg(name = "proxy.providers[5].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[5].name", value = "openai-models-large-refusal"),
        @ResourceArg(name = "proxy.providers[5].keys", value = KeyFailoverTest.A + "," + KeyFailoverTest.B),
        @ResourceArg(name = "proxy.providers[5].base-url", value = "{fake}/v1/"),
        @ResourceArg(name = "proxy.providers[6].type", value = "openai"),
        @ResourceArg(name = "proxy.providers[6].name", value = "openai-model-forbidden"),
        @ResourceArg(name = "proxy.providers[6].keys", value = KeyFailoverTest.A + "," + KeyFailoverTest.B),
        @ResourceArg(name = "proxy.providers[6].base-url", value = "{fake}/v1/")})
class KeyFailoverTest extends ProxyTestBase {

    static final String A = "sk-proj-pool-primary-key-0001aaaa";
    static final String B = "sk-proj-pool-second-key-0002bbbb";
    static final String C = "sk-proj-pool-third-key-0003cccc";
    static final String ANT_A = "sk-ant-api03-pool-primary-0001aaaa";
    static final String ANT_B = "sk-ant-api03-pool-second-0002bbbb";
    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    private OpenAIClient openAi(String instance, String refused) {
        return OpenAIOkHttpClient.builder().apiKey(TOKEN).baseUrl(proxy.baseUrl() + "/api/v2/aibridge/" + instance + "/v1")
                .putHeader(FakeProvider.REFUSED_KEYS_HEADER, refused).maxRetries(0).build();
    }

    private List<String> upstreamKeys(String header) {
        return FakeProviderTestResource.fake().requests().stream().map(r -> r.header(header))
                .map(v -> v.startsWith("Bearer ") ? v.substring(7) : v).toList();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello.").build();
    }

    @Test
    void aRateLimitedKeyIsSetAsideAndTheRequestGoesOnWithTheNextKeyAsIfNothingHappened() {
        PrometheusScrape before = scrape();
        ChatCompletion answer = openAi("openai-pool", A + "=429:30").chat().completions().create(chat("gpt-pool-first"));
        assertThat(answer.choices()).isNotEmpty();
        assertThat(upstreamKeys("Authorization")).as("the same request, sent again at once with the second key").containsExactly(A, B);
        List<InterceptionEvent> first = eventsOfModel("gpt-pool-first");
        InterceptionStarted started = (InterceptionStarted) first.get(0);
        assertThat(started.credentialHint()).as("the key it was first sent with").isEqualTo(CredentialHint.of(A));
        InterceptionEnded ended = (InterceptionEnded) first.get(first.size() - 1);
        assertThat(ended.status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(ended.httpStatus()).isEqualTo(200);
        assertThat(ended.credentialHint()).as("the key the answer came with, which the recorder keeps").isEqualTo(CredentialHint.of(B));

        FakeProviderTestResource.fake().clear();
        openAi("openai-pool", "").chat().completions().create(chat("gpt-pool-second"));
        assertThat(upstreamKeys("Authorization")).as("the first key cools down for the provider's Retry-After").containsExactly(B);
        List<InterceptionEvent> second = eventsOfModel("gpt-pool-second");
        assertThat(((InterceptionStarted) second.get(0)).credentialHint()).isEqualTo(CredentialHint.of(B));
        assertThat(((InterceptionEnded) second.get(second.size() - 1)).credentialHint()).as("no failover: the start's hint stands")
                .isNull();

        PrometheusScrape after = scrape();
        assertThat(after.delta(before, "aibridge_provider_key_failovers_total", Map.of("provider", "openai-pool", "reason", "rate_limited")))
                .isEqualTo(1.0);
        assertThat(after.value("aibridge_provider_keys", Map.of("provider", "openai-pool", "state", "rate_limited"))).isEqualTo(1.0);
        assertThat(after.value("aibridge_provider_keys", Map.of("provider", "openai-pool", "state", "available"))).isEqualTo(2.0);
        assertThat(after.delta(before, "aibridge_interceptions_total", Map.of("provider", "openai-pool", "status", "completed")))
                .isEqualTo(2.0);
    }

    @Test
    void aKeyForbiddenForOneModelIsSetAsideForThatModelOnlyAndStillServesTheOthers() {
        PrometheusScrape before = scrape();
        ChatCompletion forbidden = openAi("openai-model-forbidden", A + "=403").chat().completions().create(chat("gpt-not-for-key-a"));
        assertThat(forbidden.choices()).isNotEmpty();
        assertThat(upstreamKeys("Authorization")).as("the project of the first key may not use this model").containsExactly(A, B);

        FakeProviderTestResource.fake().clear();
        openAi("openai-model-forbidden", "").chat().completions().create(chat("gpt-for-every-key"));
        assertThat(upstreamKeys("Authorization")).as("another model still starts with the first key").containsExactly(A);
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/openai-model-forbidden/v1/models", "Authorization", "Bearer " + TOKEN);
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(upstreamKeys("Authorization")).as("and so does a passthrough call").containsExactly(A, A);

        FakeProviderTestResource.fake().clear();
        openAi("openai-model-forbidden", "").chat().completions().create(chat("gpt-not-for-key-a"));
        assertThat(upstreamKeys("Authorization")).as("the forbidden model starts with the second key").containsExactly(B);
        EventTail tail = EventTail.of(bootstrapServers);
        UUID again = tail.awaitStart(s -> s.model().equals("gpt-not-for-key-a") && CredentialHint.of(B).equals(s.credentialHint()),
                Duration.ofSeconds(20));
        List<InterceptionEvent> recorded = tail.awaitEnded(again, Duration.ofSeconds(20));
        assertThat(((InterceptionEnded) recorded.get(recorded.size() - 1)).credentialHint()).as("no failover: the start's hint stands")
                .isNull();

        PrometheusScrape after = scrape();
        assertThat(after.delta(before, "aibridge_provider_key_failovers_total", Map.of("provider", "openai-model-forbidden",
                "reason", "forbidden"))).isEqualTo(1.0);
        assertThat(after.value("aibridge_provider_keys", Map.of("provider", "openai-model-forbidden", "state", "available")))
                .isEqualTo(2.0);
        assertThat(after.value("aibridge_provider_keys", Map.of("provider", "openai-model-forbidden", "state", "refused")))
                .isEqualTo(0.0);
        assertThat(after.value("aibridge_provider_key_forbidden_models", Map.of("provider", "openai-model-forbidden")))
                .isEqualTo(1.0);
    }

    @Test
    void aRevokedKeyIsSkippedBeforeTheStreamStartsAndTheAnthropicSdkGetsTheWholeAnswer() {
        AnthropicClient client = AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(proxy.baseUrl() + "/api/v2/aibridge/anthropic-pool")
                .putHeader(FakeProvider.REFUSED_KEYS_HEADER, ANT_A + "=401").maxRetries(0).build();
        long events;
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(MessageCreateParams.builder()
                .model("claude-pool-model").maxTokens(64).addUserMessage("Say hello.").build())) {
            events = stream.stream().filter(RawMessageStreamEvent::isMessageStop).count();
        }
        assertThat(events).as("the stream the caller got is whole").isEqualTo(1);
        assertThat(upstreamKeys("x-api-key")).containsExactly(ANT_A, ANT_B);
        List<InterceptionEvent> recorded = eventsOfModel("claude-pool-model");
        assertThat(((InterceptionEnded) recorded.get(recorded.size() - 1)).status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(scrape().value("aibridge_provider_keys", Map.of("provider", "anthropic-pool", "state", "refused"))).isEqualTo(1.0);
    }

    @Test
    void whenEveryKeyIsTurnedAwayTheCallerGetsTheProvidersOwnAnswerAndTheNextRequestStillGoesOut() {
        OpenAIClient client = openAi("openai-revoked", A + "=401;" + B + "=401");
        assertThatThrownBy(() -> client.chat().completions().create(chat("gpt-revoked-model")))
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("the fake provider refuses this key with 401");
        assertThat(upstreamKeys("Authorization")).as("each key once, no more").containsExactly(A, B);
        List<InterceptionEvent> recorded = eventsOfModel("gpt-revoked-model");
        InterceptionEnded ended = (InterceptionEnded) recorded.get(recorded.size() - 1);
        assertThat(ended.status()).isEqualTo(EndStatus.FAILED);
        assertThat(ended.httpStatus()).isEqualTo(401);

        FakeProviderTestResource.fake().clear();
        HttpResponse<String> next = proxy.post("/api/v2/aibridge/openai-revoked/v1/chat/completions",
                Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(), "Authorization", "Bearer " + TOKEN);
        assertThat(next.statusCode()).as("a cooling key is never refused locally: the provider decides").isEqualTo(200);
        assertThat(upstreamKeys("Authorization")).as("the key that recovers first").containsExactly(A);
    }

    @Test
    void passthroughRoutesMoveToTheNextKeyTooAndTheCallersOwnKeyNeverFailsOver() {
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/openai-models/v1/models", "Authorization", "Bearer " + TOKEN,
                FakeProvider.REFUSED_KEYS_HEADER, A + "=403");
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(upstreamKeys("Authorization")).containsExactly(A, B);

        FakeProviderTestResource.fake().clear();
        String own = "sk-proj-callers-own-key-0123456789";
        HttpResponse<String> byok = proxy.post("/api/v2/aibridge/openai-pool/v1/chat/completions",
                Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(), "X-Coder-AI-Governance-Token", TOKEN,
                "Authorization", "Bearer " + own, FakeProvider.REFUSED_KEYS_HEADER, own + "=429");
        assertThat(byok.statusCode()).as("the caller's own key is theirs to manage").isEqualTo(429);
        List<RecordedRequest> upstream = FakeProviderTestResource.fake().requests();
        assertThat(upstream).hasSize(1);
        assertThat(upstream.get(0).header("Authorization")).isEqualTo("Bearer " + own);
    }

    /** A refusal's body far larger than anything worth reading to keep a connection. */
    private static final long LARGE_BODY = 64L * 1024 * 1024;

    @Test
    void aRefusedKeysLargeAnswerIsCutNotReadBeforeTheRequestGoesOnWithTheNextKey() {
        HttpResponse<String> r = proxy.post("/api/v2/aibridge/openai-large-refusal/v1/chat/completions",
                Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(), "Authorization", "Bearer " + TOKEN,
                FakeProvider.REFUSED_KEYS_HEADER, A + "=429:30", FakeProvider.ERROR_BODY_BYTES_HEADER, String.valueOf(LARGE_BODY));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstreamKeys("Authorization")).containsExactly(A, B);
        // past 64 KiB the connection is closed: what the provider got out is that plus what the sockets held
        assertThat(FakeProviderTestResource.fake().errorBodyBytesSent()).isLessThan(LARGE_BODY / 2);
    }

    @Test
    void aPassthroughRefusalsLargeAnswerIsCutNotReadBeforeTheNextKey() {
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/openai-models-large-refusal/v1/models", "Authorization", "Bearer " + TOKEN,
                FakeProvider.REFUSED_KEYS_HEADER, A + "=403", FakeProvider.ERROR_BODY_BYTES_HEADER, String.valueOf(LARGE_BODY));
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(upstreamKeys("Authorization")).containsExactly(A, B);
        assertThat(FakeProviderTestResource.fake().errorBodyBytesSent()).isLessThan(LARGE_BODY / 2);
    }
}
