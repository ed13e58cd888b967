package io.aibridge.proxy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.aibridge.events.CredentialKind;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.proxy.upstream.CredentialHint;
import io.aibridge.proxy.upstream.UpstreamCredential;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GitHub Copilot, as VS Code's Copilot Chat reaches it through AI Bridge: OpenAI's Chat
 * Completions and Responses under {@code /api/v2/aibridge/copilot} (no {@code /v1}), the bridge
 * token in {@code X-Coder-AI-Governance-Token} and the user's own Copilot token in
 * {@code Authorization: Bearer}, which is what goes upstream (nothing is injected). The built-in
 * {@code copilot} instance points at the fake provider here, and {@code copilot-business} is an
 * indexed one. Requests without both tokens are refused in OpenAI's error JSON before anything is
 * forwarded or recorded.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "proxy.copilot.base-url", value = "{fake}/v1"),
        @ResourceArg(name = "proxy.providers[0].type", value = "copilot"),
        @ResourceArg(name = "proxy.providers[0].name", value = "copilot-business"),
        @ResourceArg(name = "proxy.providers[0].base-url", value = "{fake}/v1/")})
class CopilotTest extends ProxyTestBase {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;
    private static final String GOVERNANCE = UpstreamCredential.GOVERNANCE_HEADER;
    /** A user's Copilot token (the shape VS Code's GitHub sign-in gives). */
    private static final String COPILOT_TOKEN = "ghu_users0own0copilot0token0abcdefghijklm";

    private OpenAIClient copilot(String name) {
        return OpenAIOkHttpClient.builder().baseUrl(proxy.baseUrl() + "/api/v2/aibridge/" + name).apiKey(COPILOT_TOKEN)
                .putHeader(GOVERNANCE, TOKEN)
                .putHeader("User-Agent", "GitHubCopilotChat/0.26.7")
                .putHeader("Editor-Version", "vscode/1.99.3")
                .putHeader("Copilot-Integration-Id", "vscode-chat")
                .putHeader("x-interaction-id", "interaction-" + name)
                .maxRetries(0).build();
    }

    @Test
    void copilotChatInVsCodeGoesUpstreamWithTheUsersOwnTokenAndIsRecordedAsCopilot() {
        PrometheusScrape before = scrape();
        ChatCompletion answer = copilot("copilot").chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4.1-copilot").addUserMessage("Explain this regex.").build());
        assertThat(answer.choices()).isNotEmpty();

        RecordedRequest upstream = onlyUpstreamRequest();
        assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + COPILOT_TOKEN);
        assertThat(upstream.header(GOVERNANCE)).as("the bridge token never leaves the proxy").isNull();
        assertThat(upstream.header("Editor-Version")).isEqualTo("vscode/1.99.3");
        assertThat(upstream.header("Copilot-Integration-Id")).isEqualTo("vscode-chat");

        InterceptionStarted started = (InterceptionStarted) eventsOfModel("gpt-4.1-copilot").get(0);
        assertThat(started.provider()).isEqualTo("copilot");
        assertThat(started.providerName()).isEqualTo("copilot");
        assertThat(started.requestPath()).as("the path after /copilot, as the reference labels it").isEqualTo("/chat/completions");
        assertThat(started.client()).isEqualTo("GitHub Copilot (VS Code)");
        assertThat(started.clientSessionId()).isEqualTo("interaction-copilot");
        assertThat(started.credentialKind()).isEqualTo(CredentialKind.BYOK);
        assertThat(started.credentialHint()).isEqualTo(CredentialHint.of(COPILOT_TOKEN)).isEqualTo("ghu_...jklm");
        assertThat(scrape().delta(before, "aibridge_interceptions_total",
                Map.of("provider", "copilot", "route", "/chat/completions", "status", "completed"))).isEqualTo(1.0);
    }

    @Test
    void aNamedCopilotInstanceStreamsResponsesAndItsTokensAreRecorded() {
        List<ResponseStreamEvent> streamed = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = copilot("copilot-business").responses().createStreaming(
                ResponseCreateParams.builder().model("gpt-5-codex-copilot").input("When does the contract renew? [scenario:cache-tokens]")
                        .build())) {
            stream.stream().forEach(streamed::add);
        }
        assertThat(streamed.get(streamed.size() - 1).isCompleted()).isTrue();
        RecordedRequest upstream = onlyUpstreamRequest();
        assertThat(upstream.path()).isEqualTo("/v1/responses");
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + COPILOT_TOKEN);

        List<InterceptionEvent> events = eventsOfModel("gpt-5-codex-copilot");
        InterceptionStarted started = (InterceptionStarted) events.get(0);
        assertThat(started.provider()).isEqualTo("copilot");
        assertThat(started.providerName()).isEqualTo("copilot-business");
        assertThat(started.streaming()).isTrue();
        TokenUsageRecorded usage = events.stream().filter(TokenUsageRecorded.class::isInstance).map(TokenUsageRecorded.class::cast)
                .findFirst().orElseThrow();
        assertThat(usage.cacheReadInputTokens()).isEqualTo(4864);
        assertThat(usage.outputTokens()).isEqualTo(120);
    }

    @Test
    void passthroughRoutesForwardTheUsersTokenAndInjectNothing() {
        PrometheusScrape before = scrape();
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/copilot/models", GOVERNANCE, TOKEN,
                "Authorization", "Bearer " + COPILOT_TOKEN);
        assertThat(models.statusCode()).isEqualTo(200);
        RecordedRequest upstream = onlyUpstreamRequest();
        assertThat(upstream.path()).isEqualTo("/v1/models");
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + COPILOT_TOKEN);
        assertThat(upstream.header(GOVERNANCE)).isNull();

        FakeProviderTestResource.fake().clear();
        proxy.get("/api/v2/aibridge/copilot/agents/github", GOVERNANCE, TOKEN, "Authorization", "Bearer " + COPILOT_TOKEN);
        assertThat(onlyUpstreamRequest().path()).as("the agents subtree is forwarded").isEqualTo("/v1/agents/github");
        assertThat(scrape().delta(before, "aibridge_passthrough_total", Map.of("provider", "copilot", "route", "/models")))
                .isEqualTo(1.0);

        FakeProviderTestResource.fake().clear();
        HttpResponse<String> openAiOnly = proxy.get("/api/v2/aibridge/copilot/conversations", GOVERNANCE, TOKEN,
                "Authorization", "Bearer " + COPILOT_TOKEN);
        assertThat(openAiOnly.statusCode()).as("OpenAI's own passthrough routes are not Copilot's").isEqualTo(404);
        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
    }

    @Test
    void aRequestWithoutBothTokensIsRefusedInOpenAisShapeAndNeitherForwardedNorRecorded() {
        PrometheusScrape before = scrape();
        String request = Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString();

        HttpResponse<String> bridgeTokenOnly = proxy.post("/api/v2/aibridge/copilot/chat/completions", request,
                "Authorization", "Bearer " + TOKEN);
        assertThat(bridgeTokenOnly.statusCode()).isEqualTo(401);
        assertThat(ProxyClient.json(bridgeTokenOnly.body()).path("error").path("message").asText())
                .contains(GOVERNANCE, "GitHub Copilot token in Authorization: Bearer");

        HttpResponse<String> noCopilotToken = proxy.post("/api/v2/aibridge/copilot/chat/completions", request, GOVERNANCE, TOKEN);
        assertThat(noCopilotToken.statusCode()).isEqualTo(401);
        assertThat(ProxyClient.json(noCopilotToken.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");

        HttpResponse<String> badBridgeToken = proxy.post("/api/v2/aibridge/copilot/chat/completions", request,
                GOVERNANCE, "aib_unknown_secret", "Authorization", "Bearer " + COPILOT_TOKEN);
        assertThat(badBridgeToken.statusCode()).isEqualTo(401);

        HttpResponse<String> withVersion = proxy.post("/api/v2/aibridge/copilot/v1/chat/completions", request,
                GOVERNANCE, TOKEN, "Authorization", "Bearer " + COPILOT_TOKEN);
        assertThat(withVersion.statusCode()).as("Copilot's prefix has no /v1").isEqualTo(404);

        assertThatThrownBy(() -> OpenAIOkHttpClient.builder().baseUrl(proxy.baseUrl() + "/api/v2/aibridge/copilot").apiKey(TOKEN)
                .maxRetries(0).build().chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4.1")
                        .addUserMessage("hi").build()))
                .as("the OpenAI SDK reads the refusal").isInstanceOf(UnauthorizedException.class).hasMessageContaining(GOVERNANCE);

        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
        assertThat(scrape().delta(before, "aibridge_interceptions_total", Map.of("provider", "copilot"))).isEqualTo(0.0);
    }

}
