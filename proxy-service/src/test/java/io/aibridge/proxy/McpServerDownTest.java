package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;

import static io.aibridge.proxy.ProxyClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An MCP server that is down when the proxy starts: the proxy starts anyway, requests go through
 * without its tools (and without any change), and once the server comes up the background retry
 * finds it and its tools are injected.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
@WithTestResource(value = McpTestResource.class, initArgs = @ResourceArg(name = "down", value = "true"))
class McpServerDownTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @Test
    void aServerDownAtStartBreaksNothingAndItsToolsAppearOnceItIsUp() {
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        FakeProvider fake = FakeProviderTestResource.fake();
        fake.clear();
        String request = Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString();
        String[] headers = McpInjectionTest.headers(Api.OPENAI_CHAT, "text");

        HttpResponse<String> before = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request, headers);
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(fake.requests("/v1/chat/completions").get(0).bodyAsString()).isEqualTo(request);

        try (McpTestServer late = McpTestServer.start(McpTestResource.latePort())) {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                fake.clear();
                proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request, headers);
                JsonNode sent = fake.requests("/v1/chat/completions").get(0).json();
                assertThat(sent.path("tools").findValuesAsText("name")).contains("bmcp_late_echo", "bmcp_late_explode");
            });
            fake.clear();
            HttpResponse<String> loop = proxy.post(ProxyClient.path(Api.OPENAI_CHAT),
                    Fixture.load(Api.OPENAI_CHAT, "mcp-late").request(false).toString(), McpInjectionTest.headers(Api.OPENAI_CHAT, "mcp-late"));
            assertThat(loop.statusCode()).isEqualTo(200);
            assertThat(json(loop.body()).path("choices").get(0).path("message").path("content").asText()).isEqualTo("The tool answered: all good.");
            assertThat(late.calls()).extracting(McpTestServer.Call::tool).containsExactly("echo");
            assertThat(fake.requests("/v1/chat/completions")).hasSize(2);
        }
    }
}
