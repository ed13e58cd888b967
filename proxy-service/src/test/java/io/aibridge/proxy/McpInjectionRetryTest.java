package io.aibridge.proxy;

import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.SseFrames;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A round of an injected-tool loop is retried like a plain call: the provider's first answer to the
 * loop's first round is a 503, the proxy calls it again, runs the tool, and the client's stream is
 * the same as without the failure. One interception, its injected tool call recorded once.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = @ResourceArg(name = "proxy.upstream.max-retries", value = "2"))
@WithTestResource(McpTestResource.class)
class McpInjectionRetryTest extends ProxyTestBase {

    @Test
    void aFailedFirstRoundIsRetriedAndTheLoopCarriesOn() {
        McpTestResource.server().clear();
        PrometheusScrape before = scrape();
        String[] headers = McpInjectionTest.headers(Api.ANTHROPIC_MESSAGES, "mcp-echo");
        String[] all = java.util.Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = FakeProvider.FLAKY_HEADER;
        all[headers.length + 1] = "mcp-first-round,1,503,10";
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                io.aibridge.testing.fake.Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo").request(true).put("model", "claude-loop-retried")
                        .toString(), all);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(McpInjectionTest.text(SseFrames.split(response.body()))).isEqualTo("Let me ask the echo tool.The tool answered: all good.");
        assertThat(FakeProviderTestResource.fake().requests("/v1/messages")).as("the failed first round, its retry, the second round")
                .hasSize(3);
        assertThat(McpTestResource.server().calls()).as("the tool ran once").hasSize(1);

        var events = eventsOfModel("claude-loop-retried");
        assertThat(events.stream().filter(InterceptionStarted.class::isInstance)).hasSize(1);
        InterceptionEnded end = events.stream().filter(InterceptionEnded.class::isInstance).map(InterceptionEnded.class::cast)
                .findFirst().orElseThrow();
        assertThat(end.status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(ProxyClient.summary(events).stream().filter(line -> line.startsWith("tool "))).hasSize(1);
        assertThat(scrape().delta(before, "aibridge_upstream_retries_total",
                Map.of("provider", "anthropic", "route", "/v1/messages", "status", "503"))).isEqualTo(1.0);
    }
}
