package io.aibridge.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.RecordedRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static io.aibridge.proxy.tracing.InterceptionSpans.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The interception's spans, with tracing switched on by {@code AIBRIDGE_TRACE_ENABLE} and an
 * in-memory exporter (the MCP boot: {@code untooled-*} and {@code *haiku*} models take the plain
 * relay, the others the tool loop). Asserts the reference's span tree and attributes, the GenAI
 * attributes of each upstream call, the trace context on every event, and that no prompt, answer
 * or secret is ever an attribute.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = @ResourceArg(name = "bedrock-instance", value = "0:claude-aws"))
@WithTestResource(McpTestResource.class)
class InterceptionTracingTest {

    private static final String SESSION = "d7c1b3f0-5a1e-4d1e-9f7a-1f2e3d4c5b6a";

    @TestHTTPResource("/")
    URL proxyUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    InMemorySpanExporter spans;

    private ProxyClient proxy;
    private FakeProvider fake;

    @BeforeEach
    void setUp() {
        proxy = new ProxyClient(proxyUrl.toString());
        fake = FakeProviderTestResource.fake();
        fake.clear();
    }

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @Test
    void aStreamingInterceptionHasTheReferenceSpanTreeAndGenAiAttributes() {
        ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "cache-tokens").request(true);
        request.put("model", "claude-haiku-4-5");
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request.toString(),
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01",
                "User-Agent", "claude-cli/2.0.1 (external, cli)", "X-Claude-Code-Session-Id", SESSION);
        assertThat(response.statusCode()).isEqualTo(200);
        UUID id = ProxyClient.interceptionId(response);

        Trace trace = awaitTrace(id, RECORD_INTERCEPTION_ENDED);
        assertThat(trace.names()).containsExactlyInAnyOrder(INTERCEPT, CREATE_INTERCEPTOR, RECORD_INTERCEPTION, PROCESS_REQUEST,
                UPSTREAM, RECORD_PROMPT_USAGE, RECORD_TOKEN_USAGE, RECORD_INTERCEPTION_ENDED);
        SpanData intercept = trace.one(INTERCEPT);
        SpanData process = trace.one(PROCESS_REQUEST);
        assertThat(trace.parentOf(CREATE_INTERCEPTOR)).isEqualTo(intercept);
        assertThat(trace.parentOf(RECORD_INTERCEPTION)).isEqualTo(intercept);
        assertThat(trace.parentOf(PROCESS_REQUEST)).isEqualTo(intercept);
        assertThat(trace.parentOf(RECORD_INTERCEPTION_ENDED)).isEqualTo(intercept);
        assertThat(trace.parentOf(UPSTREAM)).isEqualTo(process);
        assertThat(trace.parentOf(RECORD_PROMPT_USAGE)).isEqualTo(process);
        assertThat(trace.parentOf(RECORD_TOKEN_USAGE)).isEqualTo(process);
        assertThat(trace.spans()).allSatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(intercept.getTraceId());
            assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        });
        // the reference's request attributes, on every span
        Attributes expected = Attributes.builder()
                .put(REQUEST_PATH, "/anthropic/v1/messages").put(INTERCEPTION_ID, id.toString())
                .put(USER_ID, BootstrapAdmin.USER_ID.toString()).put(API_KEY_ID, BootstrapAdmin.KEY_ID)
                .put(PROVIDER, "anthropic").put(MODEL, "claude-haiku-4-5").put(STREAMING, true).put(AWS_BEDROCK, false).build();
        assertThat(trace.spans()).allSatisfy(s -> expected.forEach((key, value) ->
                assertThat(s.getAttributes().get(key)).as("%s on %s", key, s.getName()).isEqualTo(value)));
        assertThat(intercept.getAttributes().get(END_STATUS)).isEqualTo("completed");
        assertThat(intercept.getAttributes().get(HTTP_STATUS)).isEqualTo(200L);

        // the upstream call is a GenAI client span; input counts cache reads and writes (4 + 30000 + 1200)
        SpanData upstream = trace.one(UPSTREAM);
        assertThat(upstream.getKind()).isEqualTo(SpanKind.CLIENT);
        Attributes genAi = upstream.getAttributes();
        assertThat(genAi.get(GEN_AI_OPERATION)).isEqualTo("chat");
        assertThat(genAi.get(GEN_AI_PROVIDER)).isEqualTo("anthropic");
        assertThat(genAi.get(GEN_AI_REQUEST_MODEL)).isEqualTo("claude-haiku-4-5");
        assertThat(genAi.get(GEN_AI_REQUEST_STREAM)).isTrue();
        assertThat(genAi.get(GEN_AI_RESPONSE_ID)).startsWith("msg_");
        assertThat(genAi.get(GEN_AI_RESPONSE_MODEL)).isEqualTo("claude-haiku-4-5");
        assertThat(genAi.get(GEN_AI_FINISH_REASONS)).containsExactly("end_turn");
        assertThat(genAi.get(GEN_AI_INPUT_TOKENS)).isEqualTo(4L + 30_000L + 1_200L);
        assertThat(genAi.get(GEN_AI_OUTPUT_TOKENS)).isEqualTo(40L);
        assertThat(genAi.get(GEN_AI_CACHE_READ)).isEqualTo(30_000L);
        assertThat(genAi.get(GEN_AI_CACHE_WRITE)).isEqualTo(1_200L);
        assertThat(genAi.get(GEN_AI_REASONING)).as("Anthropic does not report reasoning tokens").isNull();
        assertThat(genAi.get(GEN_AI_CONVERSATION)).isEqualTo(SESSION);
        URI upstreamBase = URI.create(fake.anthropicBaseUrl());
        assertThat(genAi.get(SERVER_ADDRESS)).isEqualTo(upstreamBase.getHost());
        assertThat(genAi.get(SERVER_PORT)).isEqualTo((long) upstreamBase.getPort());

        assertNoContentOrSecrets(trace, request.path("messages").get(0).path("content").asText(), response.body());
    }

    @Test
    void aBlockingInterceptionHasOneRecordSpanPerToolCallAndNoConversationWithoutASessionId() {
        ObjectNode request = Fixture.load(Api.OPENAI_CHAT, "tool-calls").request(false);
        request.put("model", "untooled-gpt-4o-mini");
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        UUID id = ProxyClient.interceptionId(response);

        Trace trace = awaitTrace(id, RECORD_INTERCEPTION_ENDED);
        assertThat(trace.names()).containsExactlyInAnyOrder(INTERCEPT, CREATE_INTERCEPTOR, RECORD_INTERCEPTION, PROCESS_REQUEST,
                UPSTREAM, RECORD_PROMPT_USAGE, RECORD_TOOL_USAGE, RECORD_TOOL_USAGE, RECORD_TOKEN_USAGE, RECORD_INTERCEPTION_ENDED);
        assertThat(trace.all(RECORD_TOOL_USAGE)).allSatisfy(s -> assertThat(trace.parent(s)).isEqualTo(trace.one(PROCESS_REQUEST)));
        assertThat(trace.spans()).allSatisfy(s -> {
            assertThat(s.getAttributes().get(STREAMING)).isFalse();
            assertThat(s.getAttributes().get(PROVIDER)).isEqualTo("openai");
            assertThat(s.getAttributes().get(AWS_BEDROCK)).as("Anthropic only").isNull();
            assertThat(s.getAttributes().get(REQUEST_PATH)).isEqualTo("/openai/v1/chat/completions");
        });
        Attributes genAi = trace.one(UPSTREAM).getAttributes();
        assertThat(genAi.get(GEN_AI_PROVIDER)).isEqualTo("openai");
        assertThat(genAi.get(GEN_AI_REQUEST_STREAM)).as("set only when streaming").isNull();
        assertThat(genAi.get(GEN_AI_CONVERSATION)).as("never fabricated").isNull();
        assertThat(genAi.get(GEN_AI_RESPONSE_ID)).isEqualTo("chatcmpl-CZ1kVb3TwoToolsP0oI9uY8tR7eW");
        assertThat(genAi.get(GEN_AI_FINISH_REASONS)).containsExactly("tool_calls");
        assertThat(genAi.get(GEN_AI_INPUT_TOKENS)).isEqualTo(96L);
        assertThat(genAi.get(GEN_AI_OUTPUT_TOKENS)).isEqualTo(41L);
        assertThat(genAi.get(GEN_AI_CACHE_READ)).isZero();
        assertThat(genAi.get(GEN_AI_CACHE_WRITE)).isZero();
        assertThat(genAi.get(GEN_AI_REASONING)).isZero();
        assertNoContentOrSecrets(trace, "What's the weather and the time in Paris?", "Paris, France");
    }

    @Test
    void cachedAndReasoningTokensOfAResponsesCallAreOnItsUpstreamSpan() {
        ObjectNode request = Fixture.load(Api.OPENAI_RESPONSES, "cache-tokens").request(true);
        request.put("model", "untooled-gpt-5");
        request.put("previous_response_id", "resp_previous0123");
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_RESPONSES), request.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(ProxyClient.interceptionId(response),
                Duration.ofSeconds(15));
        io.aibridge.events.TokenUsageRecorded tokens = events.stream().filter(io.aibridge.events.TokenUsageRecorded.class::isInstance)
                .map(io.aibridge.events.TokenUsageRecorded.class::cast).findFirst().orElseThrow();

        Attributes genAi = awaitTrace(ProxyClient.interceptionId(response), RECORD_INTERCEPTION_ENDED).one(UPSTREAM).getAttributes();
        assertThat(tokens.cacheReadInputTokens()).isPositive();
        assertThat(genAi.get(GEN_AI_INPUT_TOKENS)).isEqualTo(tokens.inputTokens() + tokens.cacheReadInputTokens());
        assertThat(genAi.get(GEN_AI_CACHE_READ)).isEqualTo(tokens.cacheReadInputTokens());
        assertThat(genAi.get(GEN_AI_OUTPUT_TOKENS)).isEqualTo(tokens.outputTokens());
        assertThat(genAi.get(GEN_AI_REASONING)).isEqualTo(tokens.metadata().get("output_reasoning"));
        assertThat(genAi.get(GEN_AI_PREVIOUS_RESPONSE)).isEqualTo("resp_previous0123");
        assertThat(genAi.get(GEN_AI_FINISH_REASONS)).containsExactly("completed");
    }

    @Test
    void reasoningTokensAreOnTheUpstreamSpanOnlyWhenTheProviderReportsThem() {
        // vLLM: a running usage without details on every chunk; the span has the final usage and no reasoning count
        ObjectNode chat = Fixture.load(Api.OPENAI_CHAT, "continuous-usage").request(true).put("model", "untooled-qwen2.5-coder");
        HttpResponse<String> chatResponse = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), chat.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(chatResponse.statusCode()).isEqualTo(200);
        Attributes chatSpan = awaitTrace(ProxyClient.interceptionId(chatResponse), RECORD_INTERCEPTION_ENDED).one(UPSTREAM).getAttributes();
        assertThat(chatSpan.get(GEN_AI_RESPONSE_ID)).isEqualTo("chatcmpl-3f9c1e7a5b2d4c8e9a0b1c2d3e4f5a6b");
        assertThat(chatSpan.get(GEN_AI_INPUT_TOKENS)).isEqualTo(152L);
        assertThat(chatSpan.get(GEN_AI_OUTPUT_TOKENS)).isEqualTo(19L);
        assertThat(chatSpan.get(GEN_AI_REASONING)).as("not reported by the provider").isNull();

        ObjectNode responses = Fixture.load(Api.OPENAI_RESPONSES, "bare-usage").request(false).put("model", "untooled-gpt-oss-120b");
        HttpResponse<String> responsesResponse = proxy.post(ProxyClient.path(Api.OPENAI_RESPONSES), responses.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(responsesResponse.statusCode()).isEqualTo(200);
        UUID id = ProxyClient.interceptionId(responsesResponse);
        Attributes responsesSpan = awaitTrace(id, RECORD_INTERCEPTION_ENDED).one(UPSTREAM).getAttributes();
        assertThat(responsesSpan.get(GEN_AI_OUTPUT_TOKENS)).isEqualTo(9L);
        assertThat(responsesSpan.get(GEN_AI_REASONING)).as("not reported by the provider").isNull();
        // the token usage event keeps its extra types, 0 for what was not reported
        io.aibridge.events.TokenUsageRecorded tokens = EventTail.of(bootstrapServers).awaitEnded(id, Duration.ofSeconds(15)).stream()
                .filter(io.aibridge.events.TokenUsageRecorded.class::isInstance).map(io.aibridge.events.TokenUsageRecorded.class::cast)
                .findFirst().orElseThrow();
        assertThat(tokens.metadata()).containsEntry("output_reasoning", 0L).containsEntry("total_tokens", 51L);
    }

    @Test
    void claudeOnBedrockIsTracedAsAwsBedrockWithTheBedrockModel() {
        ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true);
        request.put("model", "claude-3-5-haiku-20241022");
        HttpResponse<String> response = proxy.post("/api/v2/aibridge/claude-aws/v1/messages", request.toString(),
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01");
        assertThat(response.statusCode()).isEqualTo(200);

        Trace trace = awaitTrace(ProxyClient.interceptionId(response), RECORD_INTERCEPTION_ENDED);
        assertThat(trace.spans()).allSatisfy(s -> {
            assertThat(s.getAttributes().get(AWS_BEDROCK)).as("on %s", s.getName()).isTrue();
            assertThat(s.getAttributes().get(PROVIDER)).isEqualTo("anthropic");
        });
        assertThat(trace.one(INTERCEPT).getAttributes().get(MODEL)).isEqualTo(FakeProviderTestResource.BEDROCK_SMALL_FAST_MODEL);
        Attributes genAi = trace.one(UPSTREAM).getAttributes();
        assertThat(genAi.get(GEN_AI_PROVIDER)).isEqualTo("aws.bedrock");
        assertThat(genAi.get(GEN_AI_REQUEST_MODEL)).isEqualTo(FakeProviderTestResource.BEDROCK_SMALL_FAST_MODEL);
        assertThat(genAi.get(GEN_AI_OUTPUT_TOKENS)).isPositive();
    }

    @Test
    void everyEventCarriesTheTraceContextOfItsInterceptSpan() {
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_CHAT),
                Fixture.load(Api.OPENAI_CHAT, "text").request(true).put("model", "untooled-gpt-4o").toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        UUID id = ProxyClient.interceptionId(response);
        List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(id, Duration.ofSeconds(15));
        SpanData intercept = awaitTrace(id, RECORD_INTERCEPTION_ENDED).one(INTERCEPT);

        String traceparent = "00-" + intercept.getTraceId() + "-" + intercept.getSpanId() + "-01";
        assertThat(events).hasSizeGreaterThanOrEqualTo(4).allSatisfy(e ->
                assertThat(EventTail.of(bootstrapServers).headers(e.eventId())).containsEntry("traceparent", traceparent));
    }

    @Test
    void theProxyAddsNoTraceContextToWhatItSendsTheProvider() {
        String body = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).put("model", "claude-haiku-4-5").toString();
        proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), body,
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01");
        RecordedRequest upstream = fake.requests("/v1/messages").get(0);
        assertThat(upstream.header("traceparent")).isNull();
        assertThat(upstream.header("tracestate")).isNull();

        // a client's own trace context is one of its headers: forwarded as it came, never replaced by ours
        fake.clear();
        String clients = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), body,
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01", "traceparent", clients);
        assertThat(fake.requests("/v1/messages").get(0).header("traceparent")).isEqualTo(clients);
    }

    @Test
    void aToolLoopHasOneUpstreamSpanPerRoundAndItsToolCallsUnderProcessRequest() {
        ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo").request(true);
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request.toString(),
                McpInjectionTest.headers(Api.ANTHROPIC_MESSAGES, "mcp-echo"));
        assertThat(response.statusCode()).isEqualTo(200);

        Trace trace = awaitTrace(ProxyClient.interceptionId(response), RECORD_INTERCEPTION_ENDED);
        SpanData process = trace.one(PROCESS_REQUEST);
        List<SpanData> rounds = trace.all(UPSTREAM);
        assertThat(rounds).hasSize(2).allSatisfy(s -> assertThat(trace.parent(s)).isEqualTo(process));
        assertThat(rounds).extracting(s -> s.getAttributes().get(GEN_AI_FINISH_REASONS))
                .containsExactlyInAnyOrder(List.of("tool_use"), List.of("end_turn"));
        assertThat(rounds).extracting(s -> s.getAttributes().get(GEN_AI_OUTPUT_TOKENS)).containsExactlyInAnyOrder(30L, 12L);
        SpanData call = trace.one(io.aibridge.proxy.mcp.McpSpans.TOOL_CALL);
        assertThat(trace.parent(call)).isEqualTo(process);
        assertThat(call.getAttributes().get(REQUEST_PATH)).isEqualTo("/anthropic/v1/messages");
        assertThat(call.getAttributes().get(USER_ID)).isEqualTo(BootstrapAdmin.USER_ID.toString());
        assertThat(call.getAttributes().get(AttributeKey.stringKey("mcp_tool_name"))).isEqualTo("echo");
        assertThat(trace.all(RECORD_TOOL_USAGE)).hasSize(1);
        assertThat(trace.all(RECORD_TOKEN_USAGE)).hasSize(2);
    }

    @Test
    void anUpstreamErrorFailsTheUpstreamProcessAndInterceptSpansWithTheProvidersErrorType() {
        ObjectNode request = Fixture.load(Api.OPENAI_CHAT, "error-429").request(false);
        request.put("model", "untooled-gpt-4o-mini");
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request.toString(),
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(429);

        Trace trace = awaitTrace(ProxyClient.interceptionId(response), RECORD_INTERCEPTION_ENDED);
        SpanData upstream = trace.one(UPSTREAM);
        assertThat(upstream.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(upstream.getAttributes().get(ERROR_TYPE)).isEqualTo("requests");
        assertThat(upstream.getAttributes().get(HTTP_STATUS)).isEqualTo(429L);
        assertThat(upstream.getAttributes().get(GEN_AI_FINISH_REASONS)).containsExactly("error");
        assertThat(trace.one(PROCESS_REQUEST).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(trace.one(PROCESS_REQUEST).getAttributes().get(ERROR_TYPE)).isEqualTo("upstream_error");
        assertThat(trace.one(INTERCEPT).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(trace.one(INTERCEPT).getStatus().getDescription()).contains("Rate limit reached");
        assertThat(trace.one(INTERCEPT).getAttributes().get(END_STATUS)).isEqualTo("failed");
        assertThat(trace.one(RECORD_INTERCEPTION_ENDED).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void aBrokenStreamFailsItsSpansAndTheProxysLogLineIsAnEventOnTheTrace() {
        ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "stream-break").request(true);
        request.put("model", "claude-haiku-4-5");
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request.toString(),
                "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01");

        Trace trace = awaitTrace(ProxyClient.interceptionId(response), RECORD_INTERCEPTION_ENDED);
        SpanData upstream = trace.one(UPSTREAM);
        assertThat(upstream.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(upstream.getAttributes().get(ERROR_TYPE)).isEqualTo("stream_broken");
        assertThat(upstream.getAttributes().get(GEN_AI_FINISH_REASONS)).containsExactly("error");
        // AIBRIDGE_TRACE_LOGS: the relay's warning is attached to the span current on the request's context
        List<EventData> logs = trace.spans().stream().flatMap(s -> s.getEvents().stream())
                .filter(e -> e.getName().equals("log")).toList();
        assertThat(logs).anySatisfy(e -> {
            assertThat(e.getAttributes().get(AttributeKey.stringKey("log.message"))).contains("connection broke");
            assertThat(e.getAttributes().get(AttributeKey.stringKey("log.severity"))).isEqualTo("WARN");
        });
    }

    @Test
    void aRefusedBodyEndsItsSpansFailedAndRecordsNothing() {
        long since = nowNanos();
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), "{\"messages\":[]}",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(400);

        SpanData intercept = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getStartEpochNanos() >= since && s.getName().equals(INTERCEPT)
                        && s.getStatus().getDescription().contains("\"model\" is required"))
                .findFirst().orElse(null), Objects::nonNull);
        assertThat(intercept.getAttributes().get(INTERCEPTION_ID)).isNull();
        assertThat(intercept.getAttributes().get(USER_ID)).isEqualTo(BootstrapAdmin.USER_ID.toString());
        SpanData create = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(CREATE_INTERCEPTOR) && s.getParentSpanId().equals(intercept.getSpanId()))
                .findFirst().orElseThrow();
        assertThat(create.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getTraceId().equals(intercept.getTraceId())
                && s.getName().startsWith("Intercept.Record"));
    }

    @Test
    void aPassthroughRequestIsOnePassthroughSpanWithTheReferenceAttributes() {
        long since = nowNanos();
        HttpResponse<String> response = proxy.get("/api/v2/aibridge/openai/v1/models?limit=5",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);

        SpanData passthrough = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getStartEpochNanos() >= since && s.getName().equals(PASSTHROUGH)).findFirst().orElse(null),
                Objects::nonNull);
        assertThat(passthrough.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(passthrough.getAttributes().get(PASSTHROUGH_METHOD)).isEqualTo("GET");
        assertThat(passthrough.getAttributes().get(PASSTHROUGH_URL)).isEqualTo("/models");
        assertThat(passthrough.getAttributes().get(PASSTHROUGH_UPSTREAM_URL)).isEqualTo(fake.openAiBaseUrl() + "models");
        assertThat(passthrough.getAttributes().get(HTTP_STATUS)).isEqualTo(200L);
        assertThat(passthrough.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getTraceId().equals(passthrough.getTraceId())
                && s.getName().startsWith("Intercept"));
    }

    @Test
    void aKeyInTheCallersQueryIsOnNoSpanOfTheTrace() {
        long since = nowNanos();
        HttpResponse<String> response = proxy.get("/api/v2/aibridge/openai/v1/models?key=SECRET123&limit=5",
                "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);

        SpanData passthrough = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getStartEpochNanos() >= since && s.getName().equals(PASSTHROUGH)).findFirst().orElse(null),
                Objects::nonNull);
        // Quarkus' HTTP server span (the parent our spans hang from) ends when the response is written
        List<SpanData> trace = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getTraceId().equals(passthrough.getTraceId())).toList(),
                t -> t.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER));
        SpanData server = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(passthrough.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(server.getAttributes().get(AttributeKey.stringKey("url.query"))).isEqualTo("key=***&limit=***");
        for (SpanData span : trace) {
            span.getAttributes().forEach((key, value) ->
                    assertThat(String.valueOf(value)).as("%s of %s", key, span.getName()).doesNotContain("SECRET123"));
            assertThat(String.valueOf(span.getStatus().getDescription())).doesNotContain("SECRET123");
            assertThat(span.getName()).doesNotContain("SECRET123");
        }
    }

    // ------------------------------------------------------------------------------- helpers

    /** The exporter is shared with the other tests of this boot: spans are told apart by time or interception id. */
    private static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** No span attribute, status or event holds the prompt, the answer, or a key or token. */
    private static void assertNoContentOrSecrets(Trace trace, String prompt, String answer) {
        List<String> forbidden = List.of(prompt, answer, FakeProviderTestResource.BOOTSTRAP_TOKEN,
                FakeProviderTestResource.OPENAI_KEY, FakeProviderTestResource.ANTHROPIC_KEY);
        for (SpanData span : trace.spans()) {
            span.getAttributes().forEach((key, value) -> forbidden.forEach(secret ->
                    assertThat(String.valueOf(value)).as("%s of %s", key, span.getName()).doesNotContain(secret)));
            forbidden.forEach(secret -> assertThat(String.valueOf(span.getStatus().getDescription())).doesNotContain(secret));
        }
    }

    /** The spans of one interception (those of its trace), once {@code last} has been exported. */
    private Trace awaitTrace(UUID interceptionId, String last) {
        String id = interceptionId.toString();
        SpanData marker = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(last) && id.equals(s.getAttributes().get(INTERCEPTION_ID)))
                .findFirst().orElse(null), Objects::nonNull);
        // the Intercept span ends right after the last record span
        return await().atMost(Duration.ofSeconds(10)).until(() -> new Trace(spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getTraceId().equals(marker.getTraceId()) && id.equals(s.getAttributes().get(INTERCEPTION_ID)))
                        .toList()),
                t -> t.names().contains(INTERCEPT));
    }

    private record Trace(List<SpanData> spans) {

        List<String> names() {
            return spans.stream().map(SpanData::getName).toList();
        }

        List<SpanData> all(String name) {
            return spans.stream().filter(s -> s.getName().equals(name)).toList();
        }

        SpanData one(String name) {
            List<SpanData> found = all(name);
            assertThat(found).as("spans named %s in %s", name, names()).hasSize(1);
            return found.get(0);
        }

        SpanData parent(SpanData span) {
            return spans.stream().filter(s -> s.getSpanId().equals(span.getParentSpanId())).findFirst()
                    .orElseThrow(() -> new AssertionError("no parent of " + span.getName() + " in " + names()));
        }

        SpanData parentOf(String name) {
            return parent(one(name));
        }
    }
}
