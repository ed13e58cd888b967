package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.proxy.events.KafkaEventPublisher;
import io.aibridge.testing.fake.Api;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka is down, events go to the spool, and the spool fills up: with
 * {@code AIBRIDGE_SPOOL_WHEN_FULL=fail-closed} new interceptions are refused with a 503 in each
 * provider's error JSON before anything is recorded, and not one event of the admitted
 * interceptions is dropped.
 */
@QuarkusTest
@WithTestResource(FullSpoolTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class SpoolFullTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @Inject
    KafkaEventPublisher publisher;

    private static String anthropicRequest(String prompt) {
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    @Test
    void refusesNewInterceptionsWith503InTheProvidersErrorShapeOnceTheSpoolIsFull() throws InterruptedException {
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        String prompt = "Summarise the attached design notes. ".repeat(100);
        HttpResponse<String> refused = null;
        int served = 0;
        for (int i = 0; i < 200 && refused == null; i++) {
            HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), anthropicRequest(prompt),
                    "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN);
            if (r.statusCode() == 503) {
                refused = r;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
                served++;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (publisher.waiting() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20); // the interception's events reach the spool before the next request
                }
            }
        }
        assertThat(served).as("requests served before the spool filled up").isGreaterThan(5);
        assertThat(refused).as("a request was refused").isNotNull();
        JsonNode anthropic = ProxyClient.json(refused.body());
        assertThat(anthropic.path("type").asText()).isEqualTo("error");
        assertThat(anthropic.path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(anthropic.path("error").path("message").asText()).contains("spool is full");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(refused.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).as("nothing was recorded").isEmpty();

        HttpResponse<String> openai = proxy.post(ProxyClient.path(Api.OPENAI_CHAT),
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(openai.statusCode()).isEqualTo(503);
        JsonNode error = ProxyClient.json(openai.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("server_error");
        assertThat(error.path("code").asText()).isEqualTo("recording_unavailable");

        String metrics = proxy.get("/q/metrics").body();
        assertThat(metrics).contains("aibridge_spool_refused_interceptions_total 2.0");
        assertThat(metrics).containsPattern("aibridge_spool_bytes [1-9]");
        assertThat(metrics.lines().filter(l -> l.startsWith("aibridge_events_dropped_total")))
                .as("fail-closed kept room for the events of every admitted interception")
                .isNotEmpty().allSatisfy(l -> assertThat(l).endsWith(" 0.0"));
        assertThat(publisher.spooled()).isPositive();
    }
}
