package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider that takes the TCP connection but never finishes the TLS handshake gives the proxy no
 * connection within {@code AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT} (200 ms here): Vert.x reports that as a
 * {@code TimeoutException}, but nothing was sent, so the provider is unreachable, not slow: 502 in
 * the provider's error JSON, retried, recorded {@code upstream_unreachable}, and no circuit-breaker
 * failure (the breaker here opens on the first one).
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "openai", value = "silent"),
        @ResourceArg(name = "proxy.upstream.connect-timeout", value = "200ms"),
        @ResourceArg(name = "proxy.upstream.max-retries", value = "1"),
        @ResourceArg(name = "proxy.circuit-breaker.enabled", value = "true"),
        @ResourceArg(name = "proxy.circuit-breaker.failure-threshold", value = "1")})
class NoConnectionTest extends ProxyTestBase {

    private HttpResponse<String> chat(String model) {
        return proxy.post(ProxyClient.path(Api.OPENAI_CHAT),
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
    }

    @Test
    void noConnectionWithinTheConnectTimeoutIsAnUnreachableProviderAndIsRetried() {
        PrometheusScrape before = scrape();
        int acceptedBefore = FakeProviderTestResource.silent().accepted();

        HttpResponse<String> r = chat("gpt-no-connection");

        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode error = ProxyClient.json(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_unreachable");
        assertThat(error.path("message").asText()).isEqualTo("could not reach the provider: no connection within 200 ms");
        assertThat(FakeProviderTestResource.silent().accepted() - acceptedBefore).as("the first attempt and its retry").isEqualTo(2);
        assertThat(scrape().delta(before, "aibridge_upstream_retries_total",
                Map.of("provider", "openai", "route", "/v1/chat/completions", "status", "0"))).isEqualTo(1.0);
        InterceptionEnded end = eventsOfModel("gpt-no-connection").stream().filter(InterceptionEnded.class::isInstance)
                .map(InterceptionEnded.class::cast).findFirst().orElseThrow();
        assertThat(end.status()).isEqualTo(EndStatus.FAILED);
        assertThat(end.httpStatus()).isEqualTo(502);
        assertThat(end.errorType()).isEqualTo("upstream_unreachable");

        // a 504 would have opened the breaker (threshold 1) and this one would get 503 circuit_open
        HttpResponse<String> again = chat("gpt-no-connection");
        assertThat(again.statusCode()).isEqualTo(502);
        assertThat(ProxyClient.json(again.body()).path("error").path("code").asText()).isEqualTo("upstream_unreachable");
    }
}
