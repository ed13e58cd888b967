package io.aibridge.proxy;

import io.aibridge.events.CredentialKind;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.RecordedRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bring your own key (enabled in these tests): the bridge token travels in
 * {@code X-Coder-AI-Governance-Token}, the caller's own provider credential goes upstream, and the
 * interception records {@code byok} with the hint of that credential.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class ByokTest extends ProxyTestBase {

    private static final String GOVERNANCE = "X-Coder-AI-Governance-Token";

    private InterceptionStarted started(HttpResponse<String> r) {
        return (InterceptionStarted) EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20)).get(0);
    }

    @Test
    void sendsTheCallersOwnAnthropicKeyUpstream() {
        String own = "sk-ant-api03-users-own-key-0123456789zz";
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(),
                GOVERNANCE, FakeProviderTestResource.BOOTSTRAP_TOKEN, "X-Api-Key", own);
        assertThat(r.statusCode()).isEqualTo(200);
        RecordedRequest upstream = FakeProviderTestResource.fake().requests().get(0);
        assertThat(upstream.header("x-api-key")).isEqualTo(own);
        assertThat(upstream.hasHeader(GOVERNANCE)).isFalse();
        InterceptionStarted started = started(r);
        assertThat(started.credentialKind()).isEqualTo(CredentialKind.BYOK);
        assertThat(started.credentialHint()).isEqualTo("sk-a...89zz");
    }

    @Test
    void sendsAClaudeSubscriptionTokenAsBearer() {
        String oauth = "sk-ant-oat01-subscription-token-abcdefgh";
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true).toString(),
                GOVERNANCE, FakeProviderTestResource.BOOTSTRAP_TOKEN, "Authorization", "Bearer " + oauth);
        assertThat(r.statusCode()).isEqualTo(200);
        RecordedRequest upstream = FakeProviderTestResource.fake().requests().get(0);
        assertThat(upstream.header("authorization")).isEqualTo("Bearer " + oauth);
        assertThat(upstream.hasHeader("x-api-key")).isFalse();
        assertThat(started(r).credentialKind()).isEqualTo(CredentialKind.BYOK);
    }

    @Test
    void sendsTheCallersOwnOpenAiKeyAndFallsBackToTheCompanyKeyWithoutOne() {
        String own = "sk-proj-users-own-openai-key-000111";
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                GOVERNANCE, FakeProviderTestResource.BOOTSTRAP_TOKEN, "Authorization", "Bearer " + own);
        assertThat(FakeProviderTestResource.fake().requests().get(0).header("authorization")).isEqualTo("Bearer " + own);
        assertThat(started(r).credentialHint()).isEqualTo("sk-p...0111");

        FakeProviderTestResource.fake().clear();
        HttpResponse<String> noOwnKey = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                GOVERNANCE, FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(FakeProviderTestResource.fake().requests().get(0).header("authorization"))
                .isEqualTo("Bearer " + FakeProviderTestResource.OPENAI_KEY);
        assertThat(started(noOwnKey).credentialKind()).isEqualTo(CredentialKind.CENTRALIZED);
    }

    @Test
    void refusesAnInvalidGovernanceToken() {
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                GOVERNANCE, "not-a-bridge-token", "Authorization", "Bearer sk-proj-own");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
    }
}
