package io.aibridge.proxy;

import io.aibridge.events.Role;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.Principal;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.tracing.InterceptionTrace;
import io.aibridge.proxy.tracing.InterceptionTracing;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.opentelemetry.api.trace.Span;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tracing off (no {@code AIBRIDGE_TRACE_ENABLE}, the default): the interception code gets the
 * do-nothing trace, no span records, and no event carries a trace context. Shares its boot with
 * {@link HealthAndMetricsTest}.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class TracingOffTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    InterceptionTracing tracing;

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @Test
    void withoutTraceEnableNoSpanIsBuiltAndEventsCarryNoTraceContext() {
        assertThat(tracing.enabled()).isFalse();
        Principal admin = new Principal(BootstrapAdmin.USER_ID, "admin", "", Role.OWNER, BootstrapAdmin.KEY_ID);
        assertThat(tracing.intercept(ProviderType.ANTHROPIC, "/api/v2/aibridge/anthropic/v1/messages", admin))
                .as("the shared do-nothing trace: nothing allocated per request").isSameAs(InterceptionTrace.OFF);
        assertThat(tracing.passthrough("GET", "/v1/models", "http://127.0.0.1/v1/models")).isSameAs(Span.getInvalid());
        Span mcp = tracing.tracer().spanBuilder("ServerProxyManager.Init").startSpan();
        assertThat(mcp.isRecording()).as("MCP spans: a no-op tracer").isFalse();
        mcp.end();

        HttpResponse<String> response = new ProxyClient(proxyUrl.toString()).post(ProxyClient.path(Api.OPENAI_CHAT),
                Fixture.load(Api.OPENAI_CHAT, "text").request(true).toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        List<io.aibridge.events.InterceptionEvent> events = EventTail.of(bootstrapServers)
                .awaitEnded(ProxyClient.interceptionId(response), Duration.ofSeconds(15));
        assertThat(events).hasSizeGreaterThanOrEqualTo(3).allSatisfy(e ->
                assertThat(EventTail.of(bootstrapServers).headers(e.eventId())).doesNotContainKeys("traceparent", "tracestate"));
    }
}
