package io.aibridge.proxy;

import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka is unreachable from the start: the proxy still starts, authenticates the bootstrap token,
 * relays answers untouched and keeps the events queued instead of failing or slowing the request.
 * The OpenAI upstream is unreachable too: callers get a 502 in OpenAI's error shape.
 */
@QuarkusTest
@WithTestResource(UnreachableKafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {@ResourceArg(name = "byok", value = "false"),
        @ResourceArg(name = "openai", value = "unreachable")})
class InfrastructureDownTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @jakarta.inject.Inject
    io.aibridge.proxy.events.KafkaEventPublisher publisher;

    @Test
    void servesKnownKeysAndRelaysWhileKafkaIsDown() {
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        Fixture fixture = Fixture.load(Api.ANTHROPIC_MESSAGES, "tool-call");
        long start = System.nanoTime();
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), fixture.request(true).toString(),
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(fixture.stream());
        assertThat((System.nanoTime() - start) / 1_000_000).as("the request does not wait for Kafka").isLessThan(5_000);
        assertThat(proxy.get("/q/health/live").statusCode()).isEqualTo(200);
        assertThat(publisher.waiting()).as("the interception's events wait in memory for Kafka").isPositive();
    }

    @Test
    void refusesTheByokHeaderAndCopilotWith403WhenByokIsNotEnabled() {
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(),
                "X-Coder-AI-Governance-Token", FakeProviderTestResource.BOOTSTRAP_TOKEN, "X-Api-Key", "sk-ant-own");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(ProxyClient.json(r.body()).path("error").path("type").asText()).isEqualTo("permission_error");
        assertThat(ProxyClient.json(r.body()).path("error").path("message").asText())
                .contains("Bring Your Own Key (BYOK) mode is not enabled", "AIBRIDGE_ALLOW_BYOK");

        // GitHub Copilot is always called with the user's own token, so without BYOK it cannot be bridged at all
        HttpResponse<String> copilot = proxy.post("/api/v2/aibridge/copilot/chat/completions",
                Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(), "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(copilot.statusCode()).isEqualTo(403);
        assertThat(ProxyClient.json(copilot.body()).path("error").path("code").asText()).isEqualTo("byok_disabled");
        assertThat(ProxyClient.json(copilot.body()).path("error").path("message").asText()).contains("GitHub Copilot", "AIBRIDGE_ALLOW_BYOK=true");
    }

    @Test
    void answers502InOpenAisShapeWhenTheProviderIsUnreachable() {
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(true).toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(ProxyClient.json(r.body()).path("error").path("code").asText()).isEqualTo("upstream_unreachable");
        assertThat(ProxyClient.json(r.body()).path("error").path("message").asText()).startsWith("could not reach the provider");
        assertThat(r.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).isPresent();

        HttpResponse<String> passthrough = proxy.get("/api/v2/aibridge/openai/v1/models",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(passthrough.statusCode()).isEqualTo(502);
        assertThat(ProxyClient.json(passthrough.body()).path("error").path("message").asText()).startsWith("upstream proxy error");
    }

    @Test
    void stillRefusesUnknownTokensButAsRetryableWhileNoKeyCouldBeLoaded() {
        // the identity topic cannot be read: the key may be valid, so the answer is "retry", not "invalid key"
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                "Authorization", "Bearer aib_abcdefghijkl_" + "x".repeat(43));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.body()).contains("\"code\":\"identity_loading\"");
        assertThat(r.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).as("nothing was started").isEmpty();
        assertThat(proxy.get("/q/health/ready").statusCode()).as("not ready: no key could be loaded").isEqualTo(503);
        HttpResponse<String> none = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString());
        assertThat(none.statusCode()).as("no token at all is refused at once").isEqualTo(401);
    }
}
