package io.aibridge.proxy;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.RecordedRequest;
import io.aibridge.testing.fake.SseFrames;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.aibridge.proxy.ProxyClient.summary;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams under stress: a client that hangs up, frames and UTF-8 characters split across chunks,
 * passthrough routes, and the metrics they leave behind.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class StreamingBehaviourTest {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL proxyUrl;

    private ProxyClient proxy;

    @BeforeEach
    void setUp() {
        proxy = new ProxyClient(proxyUrl.toString());
        FakeProviderTestResource.fake().clear();
    }

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @Test
    void recordsAnAnthropicStreamAsCancelledWithTheUsageSeenWhenTheClientHangsUp() throws Exception {
        HangUp hangUp = hangUpDuringStream(Api.ANTHROPIC_MESSAGES, "content_block_delta");
        assertTheUpstreamStreamWasCancelled(hangUp);
        assertThat(summary(EventTail.of(bootstrapServers).awaitEnded(hangUp.id(), Duration.ofSeconds(20)))).containsExactly(
                "started",
                "prompt msg_01XFDUDYJgAACzvnptvVoYEL Say hello in French and tell me the weather. [scenario:text]",
                "tokens msg_01XFDUDYJgAACzvnptvVoYEL in=25 out=1 cache_read=0 cache_write=0 {cache_creation_input=0,"
                        + "cache_ephemeral_1h_input=0,cache_ephemeral_5m_input=0,cache_read_input=0,web_search_requests=0}",
                "ended cancelled 200 client_disconnected");
    }

    @Test
    void recordsAChatStreamAsCancelledWhenTheClientHangsUp() throws Exception {
        HangUp hangUp = hangUpDuringStream(Api.OPENAI_CHAT, "Bonjour");
        assertTheUpstreamStreamWasCancelled(hangUp);
        assertThat(summary(EventTail.of(bootstrapServers).awaitEnded(hangUp.id(), Duration.ofSeconds(20)))).containsExactly(
                "started",
                "prompt chatcmpl-CZ1kTq8JmXW3fV0b2nY7pL4sR9dHa Say hello in French and tell me the weather. [scenario:text]",
                "ended cancelled 200 client_disconnected");
    }

    @Test
    void recordsAResponsesStreamAsCancelledWhenTheClientHangsUp() throws Exception {
        HangUp hangUp = hangUpDuringStream(Api.OPENAI_RESPONSES, "response.output_text.delta");
        assertTheUpstreamStreamWasCancelled(hangUp);
        assertThat(summary(EventTail.of(bootstrapServers).awaitEnded(hangUp.id(), Duration.ofSeconds(20)))).containsExactly(
                "started",
                "prompt resp_68a1f0c2b9d48190a3e5c7f1d2b4a6c8 Say hello in French and tell me the weather. [scenario:text]",
                "ended cancelled 200 client_disconnected");
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void recordsABlockingCallAsCancelledAndCancelsTheUpstreamCallWhenTheClientHangsUpBeforeTheAnswer(Api api) throws Exception {
        String session = "hang-up-" + UUID.randomUUID();
        String body = Fixture.load(api, "text").request(false).toString();
        // the fake answers after 1.5 s, within the proxy's 2 s upstream timeout: only a cancelled call closes before
        String[] headers = switch (api) {
            case ANTHROPIC_MESSAGES -> new String[]{"x-api-key", TOKEN, "User-Agent", "claude-cli/2.0.1", "X-Claude-Code-Session-Id", session};
            case OPENAI_CHAT -> new String[]{"Authorization", "Bearer " + TOKEN, "User-Agent", "Kilo-Code/4.1.0", "X-KILOCODE-TASKID", session};
            case OPENAI_RESPONSES -> new String[]{"Authorization", "Bearer " + TOKEN, "User-Agent", "codex_cli_rs/0.50.0", "session_id", session};
        };
        try (Socket socket = open(api, body, with(headers, FakeProvider.TTFB_HEADER, "1500", HANG_UP_TAG, session))) {
            Thread.sleep(300);
        }
        EventTail tail = EventTail.of(bootstrapServers);
        UUID id = tail.awaitStart(s -> session.equals(s.clientSessionId()), Duration.ofSeconds(10));
        assertThat(summary(tail.awaitEnded(id, Duration.ofSeconds(20)))).containsExactly("started", "ended cancelled null client_disconnected");
        FakeProvider.ClosedEarly closed = awaitUpstreamClosedEarly(session);
        assertThat(closed.scenario()).isEqualTo("text");
        assertThat(closed.headWritten()).as("the upstream call was closed before the provider's answer").isFalse();
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void relaysAndRecordsStreamsWhoseFramesAndCharactersAreSplitAcrossChunks(Api api) {
        Fixture fixture = Fixture.load(api, api == Api.ANTHROPIC_MESSAGES ? "thinking" : "tool-calls");
        String auth = api == Api.ANTHROPIC_MESSAGES ? "x-api-key" : "Authorization";
        HttpResponse<String> r = proxy.post(ProxyClient.path(api), fixture.request(true).toString(),
                auth, api == Api.ANTHROPIC_MESSAGES ? TOKEN : "Bearer " + TOKEN, FakeProvider.SPLIT_BYTES_HEADER, "3");
        assertThat(r.statusCode()).isEqualTo(200);
        String expected = fixture.stream();
        if (api == Api.OPENAI_CHAT) {
            StringBuilder b = new StringBuilder();
            SseFrames.split(expected).stream().map(SseFrames::withoutUsage).filter(f -> f != null).forEach(b::append);
            expected = b.toString();
        }
        assertThat(r.body()).isEqualTo(expected);
        List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20));
        assertThat(summary(events)).containsExactlyElementsOf(Expected.events(api, fixture.scenario(), true));
    }

    @Test
    void endsAStreamWithAnErrorEventWhenTheProviderGoesSilentMidway() {
        Fixture fixture = Fixture.load(Api.ANTHROPIC_MESSAGES, "text");
        // the fake pauses 3 s between frames; the proxy's upstream idle timeout in tests is 2 s
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), fixture.request(true).toString(),
                "x-api-key", TOKEN, FakeProvider.CHUNK_DELAY_HEADER, "3000");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith(SseFrames.split(fixture.stream()).get(0))
                .endsWith("\n\n").contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"the provider went silent");
        assertThat(summary(EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20)))).containsExactly(
                "started",
                "prompt msg_01XFDUDYJgAACzvnptvVoYEL Say hello in French and tell me the weather. [scenario:text]",
                "tokens msg_01XFDUDYJgAACzvnptvVoYEL in=25 out=1 cache_read=0 cache_write=0 {cache_creation_input=0,"
                        + "cache_ephemeral_1h_input=0,cache_ephemeral_5m_input=0,cache_read_input=0,web_search_requests=0}",
                "ended failed 200 timeout");
    }

    @Test
    void keepsAQuietAnthropicStreamAliveWithPingsBetweenItsEvents() {
        Fixture fixture = Fixture.load(Api.ANTHROPIC_MESSAGES, "text");
        // the fake pauses 800 ms between its 10 frames; a stream quiet for 600 ms gets a ping in tests
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), fixture.request(true).toString(),
                "x-api-key", TOKEN, FakeProvider.CHUNK_DELAY_HEADER, "800");
        assertThat(r.statusCode()).isEqualTo(200);
        String ping = "event: ping\ndata: {\"type\": \"ping\"}\n\n";
        List<String> relayed = SseFrames.split(r.body());
        List<String> provider = SseFrames.split(fixture.stream());
        long added = relayed.stream().filter(ping::equals).count() - provider.stream().filter(ping::equals).count();
        assertThat(added).as("pings in the 9 pauses").isBetween(5L, 9L);
        assertThat(relayed.stream().filter(f -> !f.equals(ping)).toList())
                .as("every frame of the provider, unchanged and in order")
                .isEqualTo(provider.stream().filter(f -> !f.equals(ping)).toList());
        assertThat(summary(EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20))))
                .containsExactlyElementsOf(Expected.events(Api.ANTHROPIC_MESSAGES, "text", true));
    }

    @Test
    void sendsNoKeepAlivePayloadOnAQuietOpenAiStream() {
        Fixture fixture = Fixture.load(Api.OPENAI_CHAT, "text");
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), fixture.request(true).toString(),
                "Authorization", "Bearer " + TOKEN, FakeProvider.CHUNK_DELAY_HEADER, "800");
        assertThat(r.statusCode()).isEqualTo(200);
        StringBuilder expected = new StringBuilder();
        SseFrames.split(fixture.stream()).stream().map(SseFrames::withoutUsage).filter(f -> f != null).forEach(expected::append);
        assertThat(r.body()).isEqualTo(expected.toString());
    }

    @Test
    void bridgesALargeContextAndRecordsItsPrompt() {
        String prompt = "Summarise this log: " + "ERROR disk full on /var/lib/kafka; ".repeat(12_000) + "[scenario:text]";
        com.fasterxml.jackson.databind.node.ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true);
        ((com.fasterxml.jackson.databind.node.ObjectNode) request.withArray("messages").get(0)).put("content", prompt);
        assertThat(request.toString().length()).isGreaterThan(300_000);
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request.toString(), "x-api-key", TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(FakeProviderTestResource.fake().requests().get(0).bodyAsString()).isEqualTo(request.toString());
        List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20));
        assertThat(events).filteredOn(io.aibridge.events.PromptRecorded.class::isInstance)
                .singleElement().satisfies(e -> assertThat(((io.aibridge.events.PromptRecorded) e).prompt()).isEqualTo(prompt));
    }

    @Test
    void chatClientsThatAskForUsageGetTheProvidersStreamUnchanged() {
        Fixture fixture = Fixture.load(Api.OPENAI_CHAT, "cache-tokens");
        com.fasterxml.jackson.databind.node.ObjectNode request = fixture.request(true);
        request.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request.toString(), "Authorization", "Bearer " + TOKEN);
        assertThat(r.body()).isEqualTo(fixture.stream());
        assertThat(FakeProviderTestResource.fake().requests().get(0).bodyAsString()).isEqualTo(request.toString());
        assertThat(summary(EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20))))
                .containsExactlyElementsOf(Expected.events(Api.OPENAI_CHAT, "cache-tokens", true));
    }

    @Test
    void aChatStreamWithMoreToolCallsThanTheProxyRecordsIsRelayedUnchangedAndItsFirst1024CallsAreRecorded() {
        // 1,030 calls numbered 0..1029, then two numbered 2000000000 and -1 (this module's test fixture)
        Fixture fixture = Fixture.load(Api.OPENAI_CHAT, "tool-call-flood");
        com.fasterxml.jackson.databind.node.ObjectNode request = Fixture.load(Api.OPENAI_CHAT, "tool-calls").request(true);
        request.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request.toString(), "Authorization", "Bearer " + TOKEN,
                FakeProvider.SCENARIO_HEADER, "tool-call-flood");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).as("relayed byte for byte").isEqualTo(fixture.stream());

        List<String> events = summary(EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(30)));
        assertThat(events).filteredOn(e -> e.startsWith("tool "))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 1024).mapToObj(i -> "tool chatcmpl-flood call_" + i + " f {}").toList());
        assertThat(events).filteredOn(e -> e.startsWith("tokens ")).singleElement()
                .satisfies(e -> assertThat(e).startsWith("tokens chatcmpl-flood in=120 out=9000 "));
        assertThat(events).last().isEqualTo("ended completed 200");
    }

    @Test
    void forwardsPassthroughRoutesWithTheProviderKeyAndCountsThem() {
        HttpResponse<String> models = proxy.get("/api/v2/aibridge/openai/v1/models", "Authorization", "Bearer " + TOKEN);
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(ProxyClient.json(models.body()).path("object").asText()).isEqualTo("list");
        assertThat(models.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).as("passthrough is never recorded").isEmpty();

        HttpResponse<String> anthropicModel = proxy.get("/api/v2/aibridge/anthropic/v1/models/claude-sonnet-4-5-20250929",
                "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
        assertThat(ProxyClient.json(anthropicModel.body()).path("type").asText()).isEqualTo("model");

        HttpResponse<String> count = proxy.post("/api/v2/aibridge/anthropic/v1/messages/count_tokens",
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how are you?\"}]}",
                "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
        assertThat(ProxyClient.json(count.body()).path("input_tokens").asInt()).isPositive();

        HttpResponse<String> retrieve = proxy.get("/api/v2/aibridge/openai/v1/responses/resp_abc123?include=usage", "Authorization", "Bearer " + TOKEN);
        assertThat(ProxyClient.json(retrieve.body()).path("id").asText()).isEqualTo("resp_abc123");

        List<RecordedRequest> upstream = FakeProviderTestResource.fake().requests();
        assertThat(upstream).extracting(RecordedRequest::toString).containsExactly("GET /v1/models",
                "GET /v1/models/claude-sonnet-4-5-20250929", "POST /v1/messages/count_tokens", "GET /v1/responses/resp_abc123?include=usage");
        assertThat(upstream.get(0).header("authorization")).isEqualTo("Bearer " + FakeProviderTestResource.OPENAI_KEY);
        assertThat(upstream.get(1).header("x-api-key")).isEqualTo(FakeProviderTestResource.ANTHROPIC_KEY);
        assertThat(upstream.get(0).header("x-forwarded-for")).isNotBlank();
        upstream.forEach(req -> req.headers().values().forEach(v -> assertThat(v).noneMatch(h -> h.contains(TOKEN))));

        String metrics = proxy.get("/q/metrics").body();
        assertThat(metrics).contains("aibridge_passthrough_total{method=\"GET\",provider=\"openai\",route=\"/v1/models\"}");
        assertThat(metrics).contains("aibridge_passthrough_total{method=\"POST\",provider=\"anthropic\",route=\"/v1/messages/count_tokens\"}");
        // ids in a path (a model, a response, a conversation) never become label values: a caller cannot make series without end
        assertThat(metrics).contains("aibridge_passthrough_total{method=\"GET\",provider=\"anthropic\",route=\"/v1/models/{id}\"}");
        assertThat(metrics).contains("aibridge_passthrough_total{method=\"GET\",provider=\"openai\",route=\"/v1/responses/{path}\"}");
        proxy.get("/api/v2/aibridge/openai/v1/conversations/conv_label_probe/items", "Authorization", "Bearer " + TOKEN);
        metrics = proxy.get("/q/metrics").body();
        assertThat(metrics).contains("aibridge_passthrough_total{method=\"GET\",provider=\"openai\",route=\"/v1/conversations/{path}\"}");
        assertThat(metrics).doesNotContain("claude-sonnet-4-5-20250929\"}", "resp_abc123", "conv_label_probe");
    }

    @Test
    void exposesInterceptionTokenAndEventMetricsWithoutUserLabels() {
        Fixture fixture = Fixture.load(Api.ANTHROPIC_MESSAGES, "cache-tokens");
        HttpResponse<String> r = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), fixture.request(true).toString(),
                "x-api-key", TOKEN, "User-Agent", "claude-cli/2.0.1 (external, cli)");
        EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(r), Duration.ofSeconds(20));
        proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "tool-call").request(false).toString(),
                "Authorization", "Bearer " + TOKEN);
        String metrics = proxy.get("/q/metrics").body();
        assertThat(metrics).contains("aibridge_interceptions_total{client=\"Claude Code\",method=\"POST\",model=\"claude-sonnet-4-5-20250929\","
                + "provider=\"anthropic\",route=\"/v1/messages\",status=\"completed\"}");
        assertThat(metrics).contains("aibridge_tokens_total{client=\"Claude Code\",model=\"claude-sonnet-4-5-20250929\",provider=\"anthropic\","
                + "type=\"cache_read_input_tokens\"}");
        assertThat(metrics).contains("aibridge_prompts_total{", "aibridge_interceptions_inflight{", "aibridge_interceptions_duration_seconds_bucket{",
                "aibridge_interceptions_ttfb_seconds_bucket{", "aibridge_events_published_total", "aibridge_events_waiting",
                "aibridge_non_injected_tool_selections_total{model=\"gpt-4o-mini\",name=\"get_weather\",provider=\"openai\"}");
        assertThat(metrics).doesNotContain("admin").doesNotContain("initiator").doesNotContain("session");
    }

    /** A header the proxy forwards upstream, to find a hung-up request among those the fake received. */
    private static final String HANG_UP_TAG = "X-Test-Hang-Up";

    /** A client that hung up: its interception, and the tag its request carried upstream. */
    private record HangUp(UUID id, String tag) {
    }

    /**
     * Opens a raw HTTP/1.1 request, reads the stream until {@code marker} appears, then closes the
     * socket. The fake sends a frame every 400 ms, so that its stream is still going when the client hangs up.
     */
    private HangUp hangUpDuringStream(Api api, String marker) throws Exception {
        String body = Fixture.load(api, "text").request(true).toString();
        String auth = api == Api.ANTHROPIC_MESSAGES ? "x-api-key" : "Authorization";
        String value = api == Api.ANTHROPIC_MESSAGES ? TOKEN : "Bearer " + TOKEN;
        String tag = "hang-up-" + UUID.randomUUID();
        String received;
        try (Socket socket = open(api, body, auth, value, FakeProvider.CHUNK_DELAY_HEADER, "400", HANG_UP_TAG, tag)) {
            received = ProxyClient.readUntil(socket.getInputStream(), marker);
        }
        int at = received.toLowerCase().indexOf(ProxyClient.INTERCEPTION_HEADER.toLowerCase() + ": ");
        assertThat(at).as("interception header in " + received).isPositive();
        int start = at + ProxyClient.INTERCEPTION_HEADER.length() + 2;
        return new HangUp(UUID.fromString(received.substring(start, received.indexOf('\r', start)).trim()), tag);
    }

    /** The fake provider saw the proxy close the stream of the hung-up request before it had written all of it. */
    private static void assertTheUpstreamStreamWasCancelled(HangUp hangUp) {
        FakeProvider.ClosedEarly closed = awaitUpstreamClosedEarly(hangUp.tag());
        assertThat(closed.scenario()).isEqualTo("text");
        assertThat(closed.headWritten()).isTrue();
        assertThat(closed.piecesWritten()).as("frames written of " + closed.piecesTotal()).isBetween(1, closed.piecesTotal() - 1);
    }

    /**
     * The one upstream answer to the request tagged {@code tag} whose connection the proxy closed
     * before the fake had ended it. Unhurried: the fake would otherwise have ended it within 5 s.
     */
    private static FakeProvider.ClosedEarly awaitUpstreamClosedEarly(String tag) {
        java.util.function.Supplier<List<FakeProvider.ClosedEarly>> closed = () -> FakeProviderTestResource.fake().closedEarly().stream()
                .filter(c -> tag.equals(c.request().header(HANG_UP_TAG))).toList();
        org.awaitility.Awaitility.await("the fake provider sees the upstream call closed").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).until(() -> !closed.get().isEmpty());
        assertThat(FakeProviderTestResource.fake().requests()).filteredOn(r -> tag.equals(r.header(HANG_UP_TAG))).hasSize(1);
        return closed.get().get(0);
    }

    private static String[] with(String[] headers, String... more) {
        String[] all = java.util.Arrays.copyOf(headers, headers.length + more.length);
        System.arraycopy(more, 0, all, headers.length, more.length);
        return all;
    }

    private Socket open(Api api, String body, String... headers) throws IOException {
        boolean hasAuth = false;
        for (int i = 0; i < headers.length; i += 2) {
            hasAuth |= headers[i].equalsIgnoreCase("x-api-key") || headers[i].equalsIgnoreCase("authorization");
        }
        if (hasAuth) {
            return proxy.openPost(ProxyClient.path(api), body, headers);
        }
        String[] all = java.util.Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "x-api-key";
        all[headers.length + 1] = TOKEN;
        return proxy.openPost(ProxyClient.path(api), body, all);
    }
}
