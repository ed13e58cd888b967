package io.aibridge.proxy;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.mcp.McpSpans;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
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
 * An MCP server URL with credentials ({@code http://u:<password>@host/mcp?api_key=<key>}) is used as
 * it is for the connection, and shown everywhere else without its user info and with the query
 * value masked: the tool-usage event's {@code server_url}, the {@code server} metric label, the
 * {@code mcp_server_url} span attribute and the registry's log lines.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
@WithTestResource(value = McpTestResource.class, initArgs = @ResourceArg(name = "secret-url", value = "true"))
class McpServerUrlSecretsTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    InMemorySpanExporter spans;

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @Test
    void theUrlsPasswordAndKeyAreInNoEventMetricSpanOrLogLine() {
        McpTestServer mcp = McpTestResource.server();
        mcp.clear();
        String display = "http://127.0.0.1:" + mcp.port() + "/mcp?api_key=***";
        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        String token = FakeProviderTestResource.BOOTSTRAP_TOKEN;
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo").request(false).toString(),
                "x-api-key", token, "anthropic-version", "2023-06-01", FakeProvider.SCENARIO_HEADER, "mcp-echo");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        // the connection used the full URL: the server ran the tool
        assertThat(mcp.calls()).extracting(McpTestServer.Call::tool).containsExactly("echo");

        List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(response),
                Duration.ofSeconds(15));
        ToolUsageRecorded tool = events.stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast)
                .findFirst().orElseThrow();
        assertThat(tool.serverUrl()).isEqualTo(display);
        assertThat(events).allSatisfy(e -> assertThat(String.valueOf(e)).doesNotContain(McpTestResource.SECRET_URL_PASSWORD)
                .doesNotContain(McpTestResource.SECRET_URL_KEY));

        String metrics = proxy.get("/q/metrics").body();
        assertThat(metrics).contains("server=\"" + display + "\"")
                .doesNotContain(McpTestResource.SECRET_URL_PASSWORD).doesNotContain(McpTestResource.SECRET_URL_KEY);

        List<SpanData> mcpSpans = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getAttributes().get(McpSpans.SERVER_URL) != null).toList();
        assertThat(mcpSpans).as("the init, list and call spans").isNotEmpty()
                .anySatisfy(s -> assertThat(s.getAttributes().get(McpSpans.SERVER_URL)).isEqualTo(display));
        assertThat(spans.getFinishedSpanItems()).allSatisfy(s -> s.getAttributes().forEach((key, value) ->
                assertThat(String.valueOf(value)).as("%s of %s", key, s.getName())
                        .doesNotContain(McpTestResource.SECRET_URL_PASSWORD).doesNotContain(McpTestResource.SECRET_URL_KEY)));

        List<String> lines = McpTestResource.mcpLogLines().lines();
        assertThat(lines).as("the registry's start-up line").anyMatch(l -> l.contains("MCP server tools (" + display + ")"));
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain(McpTestResource.SECRET_URL_PASSWORD)
                .doesNotContain(McpTestResource.SECRET_URL_KEY));
    }
}
