package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.RecordedRequest;
import io.aibridge.testing.fake.SseFrames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.aibridge.proxy.ProxyClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MCP tool injection end to end: the proxy injects the test MCP server's tools, the fake provider
 * calls them (scripted by its {@code mcp-*} fixtures), the proxy runs them on the real MCP server
 * and continues the conversation; the client sees only the final answer, and Kafka has the
 * injected tool usages.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
@WithTestResource(McpTestResource.class)
class McpInjectionTest {

    static final String ECHO_INPUT = "{\"text\":\"hello from the model\"}";

    @TestHTTPResource("/")
    URL proxyUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    InMemorySpanExporter spans;

    private ProxyClient proxy;
    private FakeProvider fake;
    private McpTestServer mcp;

    @BeforeEach
    void setUp() {
        proxy = new ProxyClient(proxyUrl.toString());
        fake = FakeProviderTestResource.fake();
        mcp = McpTestResource.server();
        fake.clear();
        mcp.clear();
    }

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    // ------------------------------------------------------------------------------- Anthropic

    @Test
    void anthropicStreamRunsTheInjectedToolAndTheClientSeesOneMessage() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-echo", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> frames = SseFrames.split(response.body());
        List<String> names = frames.stream().map(f -> f.substring("event: ".length(), f.indexOf('\n'))).toList();
        assertThat(names).containsOnlyOnce("message_start", "message_delta", "message_stop");
        assertThat(names.get(names.size() - 1)).isEqualTo("message_stop");
        assertThat(response.body()).doesNotContain("tool_use", "bmcp_");
        List<JsonNode> starts = data(frames, "content_block_start");
        assertThat(starts).extracting(s -> s.path("index").asInt()).containsExactly(0, 1);
        assertThat(text(frames)).isEqualTo("Let me ask the echo tool.The tool answered: all good.");
        JsonNode usage = data(frames, "message_delta").get(0).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(400 + 450);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(30 + 12);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(100 + 200);
        assertThat(data(frames, "message_delta").get(0).path("delta").path("stop_reason").asText()).isEqualTo("end_turn");

        List<RecordedRequest> upstream = fake.requests("/v1/messages");
        assertThat(upstream).hasSize(2);
        JsonNode first = upstream.get(0).json();
        assertThat(first.path("tools").findValuesAsText("name"))
                .containsExactly("bmcp_filtered_echo", "bmcp_tools_echo", "bmcp_tools_explode", "get_weather");
        assertThat(first.path("tools").get(1).path("type").asText()).isEqualTo("custom");
        assertThat(first.path("tools").get(1).path("input_schema").path("required").get(0).asText()).isEqualTo("text");
        assertThat(first.path("tool_choice")).isEqualTo(json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
        JsonNode messages = upstream.get(1).json().path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(1).path("content").get(1).path("name").asText()).isEqualTo("bmcp_tools_echo");
        assertThat(messages.get(1).path("content").get(1).path("input")).isEqualTo(json(ECHO_INPUT));
        JsonNode result = messages.get(2).path("content").get(0);
        assertThat(result.path("type").asText()).isEqualTo("tool_result");
        assertThat(result.path("tool_use_id").asText()).isEqualTo(messages.get(1).path("content").get(1).path("id").asText());
        assertThat(result.path("is_error").asBoolean()).isFalse();
        assertThat(result.path("content").get(0).path("text").asText()).isEqualTo("echo: hello from the model");

        assertThat(mcp.calls()).containsExactly(new McpTestServer.Call("echo", java.util.Map.of("text", "hello from the model"),
                "Bearer " + McpTestServer.SHARED_TOKEN));
        List<InterceptionEvent> events = events(response);
        ToolUsageRecorded tool = single(events, ToolUsageRecorded.class);
        assertThat(tool.injected()).isTrue();
        assertThat(tool.serverUrl()).isEqualTo(mcp.url());
        assertThat(tool.tool()).isEqualTo("echo");
        assertThat(json(tool.input())).isEqualTo(json(ECHO_INPUT));
        assertThat(tool.providerToolCallId()).isEqualTo(result.path("tool_use_id").asText());
        assertThat(tool.invocationError()).isNull();
        assertThat(tokens(events)).containsExactly("in=400 out=30 cache_read=100", "in=450 out=12 cache_read=200");
        assertThat(ProxyClient.summary(events)).startsWith("started").contains("ended completed 200")
                .anyMatch(line -> line.startsWith("prompt msg_") && line.endsWith("Use the company tools, please. [scenario:mcp-echo]"));
    }

    @Test
    void anthropicBlockingReturnsTheLastMessageWithTheSummedUsage() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-echo", false);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.path("id").asText()).isEqualTo(Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-answer").responseJson().path("id").asText());
        assertThat(body.path("content")).hasSize(1);
        assertThat(body.path("content").get(0).path("text").asText()).isEqualTo("The tool answered: all good.");
        assertThat(body.path("usage").path("input_tokens").asLong()).isEqualTo(850);
        assertThat(body.path("usage").path("output_tokens").asLong()).isEqualTo(42);
        assertThat(fake.requests("/v1/messages")).hasSize(2);
        assertThat(single(events(response), ToolUsageRecorded.class).tool()).isEqualTo("echo");
    }

    @Test
    void anthropicStreamSumsEachRoundsFinalUsageOnceWhenARoundSendsSeveralMessageDeltas() {
        // round 1 searches the web (a server tool): two cumulative message_deltas, the cache-write count only in message_start
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-web-search", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> frames = SseFrames.split(response.body());
        assertThat(response.body()).doesNotContain("bmcp_");
        List<JsonNode> deltas = data(frames, "message_delta");
        JsonNode usage = deltas.get(deltas.size() - 1).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(400 + 450);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(30 + 12);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(100 + 200);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(50);
        assertThat(usage.path("server_tool_use").path("web_search_requests").asLong()).isEqualTo(1);
        assertThat(deltas.get(deltas.size() - 1).path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(fake.requests("/v1/messages").get(1).json().path("messages").get(1).path("content"))
                .extracting(b -> b.path("type").asText())
                .containsExactly("text", "server_tool_use", "web_search_tool_result", "tool_use");

        List<InterceptionEvent> events = events(response);
        assertThat(tokens(events)).containsExactly("in=400 out=30 cache_read=100", "in=450 out=12 cache_read=200");
        List<TokenUsageRecorded> recorded = events.stream().filter(TokenUsageRecorded.class::isInstance).map(TokenUsageRecorded.class::cast).toList();
        assertThat(recorded.get(0).cacheWriteInputTokens()).isEqualTo(50);
        assertThat(recorded.get(0).metadata()).containsEntry("web_search_requests", 1L);
    }

    @Test
    void anthropicBlockingShowsEveryRoundsUsageCounters() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-web-search", false);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode usage = json(response.body()).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(400 + 450);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(30 + 12);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(50);
        assertThat(usage.path("server_tool_use").path("web_search_requests").asLong()).as("only the first round searched").isEqualTo(1);
        assertThat(tokens(events(response))).containsExactly("in=400 out=30 cache_read=100", "in=450 out=12 cache_read=200");
    }

    @Test
    void aFailingToolIsRecordedWithItsErrorAndTheModelIsToldSo() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-explode", false);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response.body()).path("content").get(0).path("text").asText()).isEqualTo("The tool answered: all good.");
        JsonNode result = fake.requests("/v1/messages").get(1).json().path("messages").get(2).path("content").get(0);
        assertThat(result.path("is_error").asBoolean()).isTrue();
        // The tool throws. The MCP SDK's servlet transport usually answers with the JSON-RPC error
        // ("the tool exploded: testing"), but under load it sometimes completes the response before
        // writing it ("Calling [asyncComplete()] is not valid ..." in its log) and the client reads
        // EOF. Either way the call failed: what the bridge guarantees is that the failure is recorded
        // and the model is told, not which text the server managed to send.
        String toldTheModel = result.path("content").get(0).path("text").asText();
        assertThat(toldTheModel).startsWith("Error: calling tool: ").hasSizeGreaterThan("Error: calling tool: ".length());
        ToolUsageRecorded tool = single(events(response), ToolUsageRecorded.class);
        assertThat(tool.injected()).isTrue();
        assertThat(tool.tool()).isEqualTo("explode");
        assertThat(tool.serverUrl()).isEqualTo(mcp.url());
        assertThat(tool.invocationError()).isNotBlank().isEqualTo(toldTheModel.substring("Error: calling tool: ".length()));
    }

    @Test
    void theRoundLimitStopsAModelThatKeepsCallingTools() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-loop", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<RecordedRequest> upstream = fake.requests("/v1/messages");
        // three rounds of tool calls, then one call that may not use tools
        assertThat(upstream).hasSize(McpTestResource.MAX_ROUNDS + 1);
        assertThat(upstream.get(McpTestResource.MAX_ROUNDS - 1).json().path("tool_choice").path("type").asText()).isEqualTo("auto");
        assertThat(upstream.get(McpTestResource.MAX_ROUNDS).json().path("tool_choice")).isEqualTo(json("{\"type\":\"none\"}"));
        List<String> frames = SseFrames.split(response.body());
        assertThat(text(frames)).isEqualTo("Once more.".repeat(McpTestResource.MAX_ROUNDS) + "The tool answered: all good.");
        assertThat(data(frames, "content_block_start")).extracting(s -> s.path("index").asInt()).containsExactly(0, 1, 2, 3);
        List<InterceptionEvent> events = events(response);
        assertThat(events.stream().filter(ToolUsageRecorded.class::isInstance)).hasSize(McpTestResource.MAX_ROUNDS);
        assertThat(events.stream().filter(TokenUsageRecorded.class::isInstance)).hasSize(McpTestResource.MAX_ROUNDS + 1);
        assertThat(mcp.calls()).hasSize(McpTestResource.MAX_ROUNDS);
    }

    @Test
    void aCallToTheClientsOwnToolInTheSameTurnEndsTheLoopAndHidesOnlyTheInjectedCall() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-mixed", true);

        List<String> frames = SseFrames.split(response.body());
        List<JsonNode> starts = data(frames, "content_block_start");
        assertThat(starts).hasSize(1);
        assertThat(starts.get(0).path("index").asInt()).isZero();
        assertThat(starts.get(0).path("content_block").path("name").asText()).isEqualTo("get_weather");
        assertThat(data(frames, "message_delta").get(0).path("delta").path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(fake.requests("/v1/messages")).hasSize(1);
        assertThat(mcp.calls()).isEmpty();
        List<ToolUsageRecorded> tools = events(response).stream().filter(ToolUsageRecorded.class::isInstance)
                .map(ToolUsageRecorded.class::cast).toList();
        assertThat(tools).extracting(ToolUsageRecorded::tool, ToolUsageRecorded::injected)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("echo", true), org.assertj.core.groups.Tuple.tuple("get_weather", false));
        assertThat(tools.stream().filter(ToolUsageRecorded::injected).findFirst().orElseThrow().invocationError())
                .startsWith("not run: the model called the client's own tools");
    }

    @Test
    void anInjectedCallTheStreamNeverStopsIsRecordedAsNotRunAndTheTurnEndsWithoutIt() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-unstopped", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> frames = SseFrames.split(response.body());
        assertThat(text(frames)).isEqualTo("Let me ask the echo tool.");
        assertThat(data(frames, "message_delta").get(0).path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(frames.get(frames.size() - 1)).startsWith("event: message_stop\n");
        assertThat(response.body()).doesNotContain("tool_use", "bmcp_");
        assertThat(fake.requests("/v1/messages")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("its input may be cut: not run").isEmpty();
        List<InterceptionEvent> events = events(response);
        ToolUsageRecorded tool = single(events, ToolUsageRecorded.class);
        assertThat(tool.injected()).isTrue();
        assertThat(tool.providerToolCallId()).isEqualTo("toolu_012d59968dc84e8a848fc3f1");
        assertThat(json(tool.input())).as("as far as it arrived").isEqualTo(json(ECHO_INPUT));
        assertThat(tool.invocationError()).startsWith("not run: the provider's stream ended the message before the call was complete");
        assertThat(ProxyClient.summary(events)).contains("ended completed 200");
    }

    @Test
    void injectedCallsOfAStreamThatBreaksOffAreRecordedAsNotRunAndNothingRuns() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-broken", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> frames = SseFrames.split(response.body());
        assertThat(text(frames)).isEqualTo("Let me ask the echo tool.");
        assertThat(frames.get(frames.size() - 1)).as("the stream ends with the error event").startsWith("event: error\n");
        assertThat(response.body()).doesNotContain("tool_use", "bmcp_", "message_stop");
        assertThat(fake.requests("/v1/messages")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("a round that broke off runs nothing, not even its complete call").isEmpty();
        List<InterceptionEvent> events = events(response);
        List<ToolUsageRecorded> tools = events.stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast).toList();
        assertThat(tools).as("every call the model made, in %s", ProxyClient.summary(events)).hasSize(2)
                .allSatisfy(tool -> assertThat(tool.injected()).isTrue());
        assertThat(tools.get(0).providerToolCallId()).isEqualTo("toolu_012d59968dc84e8a848fc3f1");
        assertThat(json(tools.get(0).input())).isEqualTo(json(ECHO_INPUT));
        assertThat(tools.get(0).invocationError()).isEqualTo("not run: the provider's connection broke before the round was over");
        assertThat(tools.get(1).providerToolCallId()).isEqualTo("toolu_01b3d5f7a9c1e3b5d7f9a1c3");
        assertThat(tools.get(1).input()).as("as far as it arrived").isEqualTo("{\"text\":\"and ag");
        assertThat(tools.get(1).invocationError()).startsWith("not run: the provider's stream ended the message before the call was complete");
        assertThat(ProxyClient.summary(events)).anyMatch(line -> line.startsWith("ended failed 200 stream_broken"));
    }

    @Test
    void aCompleteChatInjectedCallOfAStreamThatBreaksOffBeforeDoneIsRecordedAsNotRun() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-broken", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> data = SseFrames.data(response.body());
        assertThat(chatText(data.subList(0, data.size() - 2).stream().map(ProxyClient::json).toList())).isEqualTo("Let me ask the echo tool.");
        assertThat(json(data.get(data.size() - 2)).path("error").path("code").asText()).as("the stream's error chunk").isEqualTo("upstream_stream_broken");
        assertThat(response.body()).doesNotContain("bmcp_", "call_2d59968dc84e8a848fc3f1fb");
        assertBrokenRoundRecordedItsCallAsNotRun(response, "/v1/chat/completions", "call_2d59968dc84e8a848fc3f1fb", 200);
    }

    @Test
    void aCompleteResponsesInjectedCallOfAStreamThatBreaksOffBeforeItsResponseCompletedIsRecordedAsNotRun() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "mcp-broken", true);

        // a Responses round is held until it ends (its injected items are taken out of the whole stream): nothing was sent yet
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(json(response.body()).path("error").path("message").asText()).contains("connection broke");
        assertThat(response.body()).doesNotContain("bmcp_", "call_32cb9947569fb98907821c7f");
        assertBrokenRoundRecordedItsCallAsNotRun(response, "/v1/responses", "call_32cb9947569fb98907821c7f", 502);
    }

    @Test
    void aResponsesRoundThatEndsFailedRecordsItsInjectedCallAsNotRunAndRelaysTheFailureWithoutIt() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "mcp-failed", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> events = SseFrames.data(response.body()).stream().map(ProxyClient::json).toList();
        JsonNode failed = events.get(events.size() - 1);
        assertThat(failed.path("type").asText()).isEqualTo("response.failed");
        assertThat(failed.path("response").path("output")).extracting(i -> i.path("type").asText()).as("the injected call taken out").containsExactly("message");
        assertThat(events).extracting(e -> e.path("sequence_number").asInt()).as("numbered without the hidden item's events")
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
        assertThat(response.body()).doesNotContain("function_call", "bmcp_");
        assertThat(fake.requests("/v1/responses")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).isEmpty();
        List<InterceptionEvent> recorded = events(response);
        ToolUsageRecorded tool = single(recorded, ToolUsageRecorded.class);
        assertThat(tool.providerToolCallId()).isEqualTo("call_32cb9947569fb98907821c7f");
        assertThat(json(tool.input())).isEqualTo(json(ECHO_INPUT));
        assertThat(tool.invocationError()).isEqualTo("not run: the provider's stream ended with an error before the round was over");
        assertThat(ProxyClient.summary(recorded)).anyMatch(line -> line.startsWith("ended failed 200 upstream_error"));
    }

    /** One complete injected echo call, never run: recorded as not run for the broken connection, no next round, ended failed. */
    private void assertBrokenRoundRecordedItsCallAsNotRun(HttpResponse<String> response, String upstreamPath, String callId, int status) {
        assertThat(fake.requests(upstreamPath)).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("a round that broke off runs nothing").isEmpty();
        List<InterceptionEvent> events = events(response);
        ToolUsageRecorded tool = single(events, ToolUsageRecorded.class);
        assertThat(tool.injected()).isTrue();
        assertThat(tool.providerToolCallId()).isEqualTo(callId);
        assertThat(json(tool.input())).isEqualTo(json(ECHO_INPUT));
        assertThat(tool.invocationError()).isEqualTo("not run: the provider's connection broke before the round was over");
        assertThat(ProxyClient.summary(events)).anyMatch(line -> line.startsWith("ended failed " + status + " stream_broken"));
    }

    @Test
    void excludedModelsGetNoToolsAndTheirBytesPassUnchanged() {
        Fixture fixture = Fixture.load(Api.ANTHROPIC_MESSAGES, "text");
        ObjectNode request = fixture.request(false);
        request.put("model", "claude-3-5-haiku-latest");
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request.toString(), headers(Api.ANTHROPIC_MESSAGES, "text"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fake.requests("/v1/messages").get(0).bodyAsString()).isEqualTo(request.toString());
    }

    // ------------------------------------------------------------------------------- Chat

    @Test
    void chatStreamHidesTheInjectedCallAndEndsWithOneDone() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-echo", true);

        List<JsonNode> chunks = chatChunks(response);
        String firstId = Fixture.load(Api.OPENAI_CHAT, "mcp-echo").responseJson().path("id").asText();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("id").asText()).isEqualTo(firstId);
            assertThat(c.has("usage")).as("no usage for a client that did not ask").isFalse();
            assertThat(c.path("choices").get(0).path("delta").has("tool_calls")).isFalse();
        });
        assertThat(chatText(chunks)).isEqualTo("Let me ask the echo tool.The tool answered: all good.");
        assertThat(chunks.stream().filter(c -> !c.path("choices").get(0).path("finish_reason").isNull()))
                .extracting(c -> c.path("choices").get(0).path("finish_reason").asText()).containsExactly("stop");

        List<RecordedRequest> upstream = fake.requests("/v1/chat/completions");
        assertThat(upstream).hasSize(2);
        JsonNode first = upstream.get(0).json();
        assertThat(first.path("tools").findValuesAsText("name"))
                .containsExactly("get_weather", "bmcp_filtered_echo", "bmcp_tools_echo", "bmcp_tools_explode");
        assertThat(first.path("tools").get(2).path("function").path("strict").asBoolean(true)).isFalse();
        assertThat(first.path("parallel_tool_calls").asBoolean(true)).isFalse();
        assertThat(first.path("stream_options").path("include_usage").asBoolean()).isTrue();
        JsonNode messages = upstream.get(1).json().path("messages");
        assertThat(messages.get(1).path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("bmcp_tools_echo");
        assertThat(messages.get(2).path("role").asText()).isEqualTo("tool");
        assertThat(messages.get(2).path("tool_call_id").asText()).isEqualTo(messages.get(1).path("tool_calls").get(0).path("id").asText());
        JsonNode result = json(messages.get(2).path("content").asText());
        assertThat(result.path("content").get(0).path("text").asText()).isEqualTo("echo: hello from the model");

        List<InterceptionEvent> events = events(response);
        assertThat(single(events, ToolUsageRecorded.class).tool()).isEqualTo("echo");
        assertThat(tokens(events)).containsExactly("in=400 out=30 cache_read=100", "in=450 out=12 cache_read=200");
    }

    @Test
    void chatStreamGivesTheSummedUsageToAClientThatAskedForIt() {
        ObjectNode request = Fixture.load(Api.OPENAI_CHAT, "mcp-echo").request(true);
        request.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request.toString(), headers(Api.OPENAI_CHAT, "mcp-echo"));

        List<String> data = SseFrames.data(response.body());
        JsonNode usage = json(data.get(data.size() - 2)).path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(500 + 650);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(30 + 12);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(530 + 662);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(100 + 200);
    }

    @Test
    void chatLoopOverARunningUsageAndIdLessOpeningChunksSumsEachRoundsFinalUsage() {
        // each round opens with Copilot's id-less prompt_filter_results chunk and carries vLLM's running usage on every chunk
        ObjectNode request = Fixture.load(Api.OPENAI_CHAT, "mcp-running-usage").request(true);
        request.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> response = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), request.toString(),
                headers(Api.OPENAI_CHAT, "mcp-running-usage"));

        List<JsonNode> chunks = chatChunks(response);
        String firstId = Fixture.load(Api.OPENAI_CHAT, "mcp-running-usage").responseJson().path("id").asText();
        assertThat(chunks.get(0).has("prompt_filter_results")).as("the first round's opening chunk, relayed as it came").isTrue();
        assertThat(chunks.subList(1, chunks.size())).allSatisfy(c -> {
            assertThat(c.path("id").asText()).isEqualTo(firstId);
            assertThat(c.path("choices").path(0).path("delta").has("tool_calls")).isFalse();
        });
        assertThat(chunks.stream().map(c -> c.path("choices").path(0).path("delta").path("content").asText(""))
                .collect(Collectors.joining())).isEqualTo("Let me ask the echo tool.The tool answered: all good.");
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertThat(chunks.get(chunks.size() - 1).path("choices").isEmpty()).isTrue();
        assertThat(usage.path("prompt_tokens").asLong()).as("each round's final usage, once").isEqualTo(500 + 650);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(30 + 12);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(530 + 662);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(100 + 200);

        JsonNode call = fake.requests("/v1/chat/completions").get(1).json().path("messages").get(1).path("tool_calls").get(0);
        assertThat(call.path("function").path("arguments").asText()).as("the arguments that streamed after the first usage").isEqualTo(ECHO_INPUT);
        assertThat(mcp.calls()).extracting(McpTestServer.Call::arguments).containsExactly(java.util.Map.of("text", "hello from the model"));
        List<InterceptionEvent> events = events(response);
        ToolUsageRecorded tool = single(events, ToolUsageRecorded.class);
        assertThat(tool.providerResponseId()).isEqualTo(firstId);
        assertThat(json(tool.input())).isEqualTo(json(ECHO_INPUT));
        assertThat(tokens(events)).containsExactly("in=400 out=30 cache_read=100", "in=450 out=12 cache_read=200");
    }

    @Test
    void chatBlockingRunsAChainOfToolsAndReturnsOneCompletion() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-chain", false);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.path("choices").get(0).path("message").path("content").asText()).isEqualTo("The tool answered: all good.");
        assertThat(body.path("choices").get(0).path("message").has("tool_calls")).isFalse();
        assertThat(body.path("usage").path("completion_tokens").asLong()).isEqualTo(18 + 20 + 12);
        assertThat(fake.requests("/v1/chat/completions")).hasSize(3);
        assertThat(mcp.calls()).extracting(McpTestServer.Call::tool).containsExactly("echo", "explode");
        JsonNode error = json(fake.requests("/v1/chat/completions").get(2).json().path("messages").get(4).path("content").asText());
        assertThat(error.path("error").asBoolean()).isTrue();
        List<ToolUsageRecorded> tools = events(response).stream()
                .filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast).toList();
        assertThat(tools).extracting(ToolUsageRecorded::tool).containsExactly("echo", "explode");
        // which text the failing server manages to send is racy (see aFailingToolIsRecorded...):
        // the model is told exactly the error that is recorded
        assertThat(tools.get(1).invocationError()).isNotBlank();
        assertThat(error.path("message").asText()).contains(tools.get(1).invocationError());
    }

    @Test
    void chatStreamKeepsTheTextThatCameWithALoopingRoundsFinishReason() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-finish-text", true);

        List<JsonNode> chunks = chatChunks(response);
        assertThat(chatText(chunks)).isEqualTo("Let me ask the echo tool.The tool answered: all good.");
        assertThat(chunks.stream().filter(c -> !c.path("choices").get(0).path("finish_reason").isNull()))
                .extracting(c -> c.path("choices").get(0).path("finish_reason").asText()).containsExactly("stop");
        assertThat(response.body()).doesNotContain("bmcp_");
        assertThat(fake.requests("/v1/chat/completions").get(1).json().path("messages").get(1).path("content").asText())
                .isEqualTo("Let me ask the echo tool.");
        assertThat(single(events(response), ToolUsageRecorded.class).tool()).isEqualTo("echo");
    }

    @Test
    void chatStreamHidesAnInjectedCallInterleavedWithTheClientsAndRecordsItAsNotRun() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-mixed", true);

        List<JsonNode> fragments = chatChunks(response).stream()
                .flatMap(c -> java.util.stream.StreamSupport.stream(c.path("choices").get(0).path("delta").path("tool_calls").spliterator(), false))
                .toList();
        assertThat(fragments).allSatisfy(f -> assertThat(f.path("index").asInt(-1)).as("the client's first call").isZero());
        assertThat(fragments.stream().map(f -> f.path("function").path("arguments").asText()).collect(Collectors.joining()))
                .isEqualTo("{\"location\":\"Paris\"}");
        assertThat(fragments.get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(response.body()).doesNotContain("bmcp_", "hello ");
        assertThat(fake.requests("/v1/chat/completions")).hasSize(1);
        assertThat(mcp.calls()).isEmpty();
        List<ToolUsageRecorded> tools = events(response).stream().filter(ToolUsageRecorded.class::isInstance)
                .map(ToolUsageRecorded.class::cast).toList();
        assertThat(tools).extracting(ToolUsageRecorded::tool, ToolUsageRecorded::injected)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("echo", true), org.assertj.core.groups.Tuple.tuple("get_weather", false));
        ToolUsageRecorded injected = tools.stream().filter(ToolUsageRecorded::injected).findFirst().orElseThrow();
        assertThat(injected.invocationError()).startsWith("not run: the model called the client's own tools");
        assertThat(json(injected.input())).isEqualTo(json(ECHO_INPUT));
    }

    @Test
    void chatBlockingReturnsTheClientsCallWithoutTheInjectedOne() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-mixed", false);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode choice = json(response.body()).path("choices").get(0);
        assertThat(choice.path("message").path("tool_calls")).extracting(c -> c.path("function").path("name").asText())
                .containsExactly("get_weather");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(mcp.calls()).isEmpty();
        assertThat(events(response).stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast)
                .filter(ToolUsageRecorded::injected)).singleElement()
                .extracting(ToolUsageRecorded::invocationError).asString().startsWith("not run:");
    }

    @Test
    void aClientToolCallAfterAnInjectedOneIsRelayedToTheClient() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-then-client", true);

        List<JsonNode> chunks = chatChunks(response);
        assertThat(chunks.stream().flatMap(c -> c.path("choices").get(0).path("delta").path("tool_calls").findValuesAsText("name").stream()))
                .containsExactly("get_weather");
        assertThat(events(response).stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast))
                .extracting(ToolUsageRecorded::tool, ToolUsageRecorded::injected)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("echo", true), org.assertj.core.groups.Tuple.tuple("get_weather", false));
    }

    @Test
    void chatInjectedCallWhoseChoiceNeverFinishesIsRecordedAsNotRunAndTheTurnEndsWithStop() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-unstopped", true);

        List<JsonNode> chunks = chatChunks(response);
        String id = Fixture.load(Api.OPENAI_CHAT, "mcp-unstopped").responseJson().path("id").asText();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("id").asText()).isEqualTo(id);
            assertThat(c.has("usage")).as("no usage for a client that did not ask").isFalse();
        });
        assertThat(chatText(chunks)).isEqualTo("Let me ask the echo tool.");
        assertThat(chunks.stream().filter(c -> !c.path("choices").get(0).path("finish_reason").isNull()))
                .as("the proxy's own, as the provider sent none").extracting(c -> c.path("choices").get(0).path("finish_reason").asText())
                .containsExactly("stop");
        assertThat(chunks.get(chunks.size() - 1).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(response.body()).doesNotContain("\"tool_calls\"", "bmcp_");
        assertThat(fake.requests("/v1/chat/completions")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("its arguments may be cut: not run").isEmpty();
        List<InterceptionEvent> events = events(response);
        ToolUsageRecorded tool = single(events, ToolUsageRecorded.class);
        assertThat(tool.injected()).isTrue();
        assertThat(tool.tool()).isEqualTo("echo");
        assertThat(tool.providerResponseId()).isEqualTo(id);
        assertThat(tool.providerToolCallId()).isEqualTo("call_5e1c0b7a93d24f68a1b2c3d4");
        assertThat(json(tool.input())).as("as far as it arrived").isEqualTo(json(ECHO_INPUT));
        assertThat(tool.invocationError()).startsWith("not run: the provider's stream ended the message before the call was complete");
        assertThat(tokens(events)).containsExactly("in=400 out=30 cache_read=100");
        assertThat(ProxyClient.summary(events)).contains("ended completed 200");
    }

    // ------------------------------------------------------------------------------- Responses

    @Test
    void responsesStreamSendsOnlyTheLastResponseWithTheSummedUsage() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "mcp-echo", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> events = SseFrames.data(response.body()).stream().map(ProxyClient::json).toList();
        String lastId = Fixture.load(Api.OPENAI_RESPONSES, "mcp-answer").responseJson().path("id").asText();
        assertThat(events.get(0).path("response").path("id").asText()).isEqualTo(lastId);
        assertThat(response.body()).doesNotContain("bmcp_tools_echo\",\"call_id", "function_call\"");
        JsonNode completed = events.get(events.size() - 1);
        assertThat(completed.path("type").asText()).isEqualTo("response.completed");
        assertThat(completed.path("response").path("usage").path("output_tokens").asLong()).isEqualTo(30 + 12);
        assertThat(completed.path("response").path("usage").path("input_tokens").asLong()).isEqualTo(500 + 650);

        List<RecordedRequest> upstream = fake.requests("/v1/responses");
        assertThat(upstream).hasSize(2);
        assertThat(upstream.get(0).json().path("tools").findValuesAsText("name"))
                .containsExactly("get_weather", "bmcp_filtered_echo", "bmcp_tools_echo", "bmcp_tools_explode");
        assertThat(upstream.get(0).json().path("parallel_tool_calls").asBoolean(true)).isFalse();
        JsonNode input = upstream.get(1).json().path("input");
        assertThat(input.get(0).path("role").asText()).isEqualTo("user");
        assertThat(input).extracting(i -> i.path("type").asText()).containsExactly("", "message", "function_call", "function_call_output");
        assertThat(json(input.get(3).path("output").asText()).path("content").get(0).path("text").asText()).isEqualTo("echo: hello from the model");
        assertThat(input.get(3).path("call_id").asText()).isEqualTo(input.get(2).path("call_id").asText());
        assertThat(single(events(response), ToolUsageRecorded.class).tool()).isEqualTo("echo");
    }

    @Test
    void responsesLoopRecordsOneTokenUsagePerRoundUnderThatRoundsResponseId() {
        String first = Fixture.load(Api.OPENAI_RESPONSES, "mcp-echo").responseJson().path("id").asText();
        String last = Fixture.load(Api.OPENAI_RESPONSES, "mcp-answer").responseJson().path("id").asText();
        for (boolean stream : new boolean[]{true, false}) {
            HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "mcp-echo", stream);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(events(response).stream().filter(TokenUsageRecorded.class::isInstance).map(TokenUsageRecorded.class::cast))
                    .as("stream=%s", stream)
                    .extracting(t -> t.providerResponseId() + " " + t.inputTokens() + "/" + t.outputTokens())
                    .containsExactly(first + " 400/30", last + " 450/12");
        }
    }

    @Test
    void responsesStreamThatEndsIncompleteIsRecordedAndEndsCompleted() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "incomplete", true);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).as("one round without injected calls: the provider's bytes").isEqualTo(Fixture.load(Api.OPENAI_RESPONSES, "incomplete").stream());
        List<InterceptionEvent> events = events(response);
        String id = Fixture.load(Api.OPENAI_RESPONSES, "incomplete").responseJson().path("id").asText();
        assertThat(ProxyClient.summary(events)).anyMatch(l -> l.startsWith("tokens " + id + " in=36 out=16 ")).anyMatch(l -> l.startsWith("ended completed 200"));
    }

    @Test
    void responsesStreamThatEndsFailedIsRecordedAndEndsFailed() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "failed", true);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Fixture.load(Api.OPENAI_RESPONSES, "failed").stream());
        List<InterceptionEvent> events = events(response);
        String id = Fixture.load(Api.OPENAI_RESPONSES, "failed").responseJson().path("id").asText();
        assertThat(ProxyClient.summary(events)).anyMatch(l -> l.startsWith("tokens " + id + " in=36 out=0 ")).anyMatch(l -> l.startsWith("ended failed 200 upstream_error"));
        assertThat(fake.requests("/v1/responses")).hasSize(1);
    }

    @Test
    void responsesBlockingAnswerThatFailedIsRelayedAndEndsFailed() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "failed", false);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(ProxyClient.json(response.body())).isEqualTo(Fixture.load(Api.OPENAI_RESPONSES, "failed").responseJson());
        List<InterceptionEvent> events = events(response);
        String id = Fixture.load(Api.OPENAI_RESPONSES, "failed").responseJson().path("id").asText();
        assertThat(ProxyClient.summary(events)).anyMatch(l -> l.startsWith("tokens " + id + " in=36 out=0 "))
                .last().isEqualTo("ended failed 200 upstream_error");
        assertThat(fake.requests("/v1/responses")).hasSize(1);
    }

    @Test
    void responsesInjectedCallNeverDoneIsRecordedAsNotRunAndTheResponseReachesTheClientWithoutIt() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "mcp-unstopped", true);

        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> events = SseFrames.data(response.body()).stream().map(ProxyClient::json).toList();
        String id = Fixture.load(Api.OPENAI_RESPONSES, "mcp-unstopped").responseJson().path("id").asText();
        assertThat(events.get(0).path("response").path("id").asText()).isEqualTo(id);
        assertThat(events).extracting(e -> e.path("sequence_number").asInt()).as("numbered without the hidden item's events")
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
        assertThat(response.body()).doesNotContain("function_call", "bmcp_");
        JsonNode completed = events.get(events.size() - 1);
        assertThat(completed.path("type").asText()).isEqualTo("response.completed");
        assertThat(completed.path("response").path("output")).extracting(i -> i.path("type").asText()).containsExactly("message");
        assertThat(completed.path("response").path("output").get(0).path("content").get(0).path("text").asText()).isEqualTo("Let me ask the echo tool.");
        assertThat(fake.requests("/v1/responses")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("its arguments may be cut: not run").isEmpty();
        List<InterceptionEvent> recorded = events(response);
        ToolUsageRecorded tool = single(recorded, ToolUsageRecorded.class);
        assertThat(tool.injected()).isTrue();
        assertThat(tool.tool()).isEqualTo("echo");
        assertThat(tool.providerResponseId()).isEqualTo(id);
        assertThat(tool.providerToolCallId()).isEqualTo("call_8e4a1c6f2b9d4e07a3c5f1b8");
        assertThat(json(tool.input())).as("the argument deltas that arrived").isEqualTo(json(ECHO_INPUT));
        assertThat(tool.invocationError()).startsWith("not run: the provider's stream ended the message before the call was complete");
        assertThat(ProxyClient.summary(recorded)).anyMatch(l -> l.startsWith("tokens " + id + " in=400 out=30 ")).contains("ended completed 200");
    }

    @Test
    void chatCustomToolCallIsTheClientsAndIsRecordedWithItsRawInput() {
        Fixture fixture = Fixture.load(Api.OPENAI_CHAT, "custom-tool-call");
        String patch = fixture.responseJson().path("choices").get(0).path("message").path("tool_calls").get(0).path("custom").path("input").asText();
        for (boolean stream : new boolean[]{true, false}) {
            fake.clear();
            HttpResponse<String> response = send(Api.OPENAI_CHAT, "custom-tool-call", stream);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(fake.requests("/v1/chat/completions")).as("one round: the call is the client's").hasSize(1);
            assertThat(fake.requests("/v1/chat/completions").get(0).json().path("tools").findValuesAsText("name")).contains("bmcp_tools_echo");
            if (!stream) {
                assertThat(json(response.body())).isEqualTo(fixture.responseJson());
            }
            ToolUsageRecorded tool = single(events(response), ToolUsageRecorded.class);
            assertThat(tool.tool()).as("stream=%s", stream).isEqualTo("apply_patch");
            assertThat(tool.injected()).isFalse();
            assertThat(tool.input()).as("a custom tool's input is text, recorded as it came").isEqualTo(patch);
            assertThat(tool.providerToolCallId()).isEqualTo("call_8d3e4f5a6b7c8d9e0f1a2b3c");
        }
    }

    @Test
    void responsesBlockingReportsTheFailingToolsInvocationError() {
        HttpResponse<String> response = send(Api.OPENAI_RESPONSES, "mcp-explode", false);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.path("output")).hasSize(1);
        assertThat(body.path("output").get(0).path("type").asText()).isEqualTo("message");
        String output = fake.requests("/v1/responses").get(1).json().path("input").get(2).path("output").asText();
        String recorded = single(events(response), ToolUsageRecorded.class).invocationError();
        assertThat(recorded).isNotBlank();
        assertThat(output).startsWith("invocation error: \"").contains(ProviderErrors.escape(recorded));
    }

    // ------------------------------------------------------------------------------- servers, users, filters

    @Test
    void aUsersOwnTokenBringsTheirServersToolsAndNeverReachesTheProvider() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-personal", false, "X-AIBridge-MCP-Token-personal", "alice-mcp-token");

        assertThat(response.statusCode()).isEqualTo(200);
        RecordedRequest first = fake.requests("/v1/messages").get(0);
        assertThat(first.json().path("tools").findValuesAsText("name")).contains("bmcp_personal_echo", "bmcp_personal_explode");
        assertThat(first.headers().keySet()).noneMatch(h -> h.startsWith("x-aibridge-mcp"));
        assertThat(mcp.calls()).containsExactly(new McpTestServer.Call("echo", java.util.Map.of("text", "mine"), "Bearer alice-mcp-token"));
        ToolUsageRecorded tool = single(events(response), ToolUsageRecorded.class);
        assertThat(tool.serverUrl()).isEqualTo(mcp.personalUrl());

        fake.clear();
        send(Api.ANTHROPIC_MESSAGES, "text", false);
        assertThat(fake.requests("/v1/messages").get(0).json().path("tools").findValuesAsText("name")).noneMatch(n -> n.startsWith("bmcp_personal"));

        fake.clear();
        HttpResponse<String> wrongToken = send(Api.ANTHROPIC_MESSAGES, "text", false, "X-AIBridge-MCP-Token-personal", "mallory-token");
        assertThat(wrongToken.statusCode()).isEqualTo(200);
        assertThat(fake.requests("/v1/messages").get(0).json().path("tools").findValuesAsText("name")).noneMatch(n -> n.startsWith("bmcp_personal"));
    }

    @Test
    void injectedCallsAreCountedPerServerAndToolWithoutUserLabels() {
        send(Api.OPENAI_RESPONSES, "mcp-echo", false);

        String metrics = proxy.get("/q/metrics").body();
        assertThat(metrics).containsPattern("aibridge_injected_tool_invocations_total\\{[^}]*name=\"echo\"[^}]*server=\"" + java.util.regex.Pattern.quote(mcp.url()) + "\"");
        assertThat(metrics.lines().filter(l -> l.startsWith("aibridge_injected_tool_invocations_total"))).noneMatch(l -> l.contains("user"));
    }

    @Test
    void onlyInjectedCallsThatRanAreCounted() {
        String ran = "claude-counted-" + UUID.randomUUID();
        String unrun = "claude-not-counted-" + UUID.randomUUID();
        HttpResponse<String> echo = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo").request(false).put("model", ran).toString(),
                headers(Api.ANTHROPIC_MESSAGES, "mcp-echo"));
        HttpResponse<String> mixed = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-mixed").request(false).put("model", unrun).toString(),
                headers(Api.ANTHROPIC_MESSAGES, "mcp-mixed"));
        assertThat(events(echo).stream().filter(ToolUsageRecorded.class::isInstance)).hasSize(1);
        assertThat(events(mixed).stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast)
                .filter(ToolUsageRecorded::injected)).as("the call not run is still recorded")
                .singleElement().extracting(ToolUsageRecorded::invocationError).asString().startsWith("not run:");

        io.aibridge.testing.PrometheusScrape metrics = io.aibridge.testing.PrometheusScrape.parse(proxy.get("/q/metrics").body());
        assertThat(metrics.value("aibridge_injected_tool_invocations_total", java.util.Map.of("model", ran, "name", "echo"))).isEqualTo(1.0);
        assertThat(metrics.series("aibridge_injected_tool_invocations_total", java.util.Map.of("model", unrun)))
                .as("a call never run is not an invocation").isEmpty();
    }

    @Test
    void spansFollowTheReferenceNamesAndAttributes() {
        send(Api.ANTHROPIC_MESSAGES, "mcp-echo", false);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(spans.getFinishedSpanItems())
                .extracting(SpanData::getName).contains("ServerProxyManager.Init", "StreamableHTTPServerProxy.Init",
                        "StreamableHTTPServerProxy.Init.fetchTools", "Intercept.ProcessRequest.ToolCall"));
        List<SpanData> all = new ArrayList<>(spans.getFinishedSpanItems());
        SpanData fetch = all.stream().filter(s -> s.getName().equals("StreamableHTTPServerProxy.Init.fetchTools")
                && "tools".equals(s.getAttributes().get(AttributeKey.stringKey("mcp_server_name")))).findFirst().orElseThrow();
        assertThat(fetch.getAttributes().get(AttributeKey.stringKey("mcp_server_url"))).isEqualTo(mcp.url());
        assertThat(fetch.getAttributes().get(AttributeKey.longKey("mcp_tool_count"))).isEqualTo(2L);
        SpanData init = all.stream().filter(s -> s.getSpanId().equals(fetch.getParentSpanId())).findFirst().orElseThrow();
        assertThat(init.getName()).isEqualTo("StreamableHTTPServerProxy.Init");
        assertThat(all.stream().filter(s -> s.getSpanId().equals(init.getParentSpanId())).findFirst().orElseThrow().getName())
                .isEqualTo("ServerProxyManager.Init");
        SpanData call = all.stream().filter(s -> s.getName().equals("Intercept.ProcessRequest.ToolCall")).reduce((a, b) -> b).orElseThrow();
        assertThat(call.getAttributes().get(AttributeKey.stringKey("mcp_tool_name"))).isEqualTo("echo");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("mcp_server_name"))).isEqualTo("tools");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("mcp_input"))).isEqualTo(ECHO_INPUT);
        assertThat(call.getAttributes().get(AttributeKey.stringKey("interception_id"))).isNotBlank();
    }

    @Test
    void aClientThatLeavesDuringAnInjectedCallStopsTheRoundsLaterCalls() throws Exception {
        String session = "leaves-" + UUID.randomUUID();
        String body = Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-two-calls").request(false).toString();
        String[] base = headers(Api.ANTHROPIC_MESSAGES, "mcp-two-calls");
        String[] all = java.util.Arrays.copyOf(base, base.length + 4);
        all[base.length] = "X-Claude-Code-Session-Id";
        all[base.length + 1] = session;
        all[base.length + 2] = "User-Agent"; // the session id is Claude Code's
        all[base.length + 3] = "claude-cli/2.0.1";
        try (java.net.Socket ignored = proxy.openPost(ProxyClient.path(Api.ANTHROPIC_MESSAGES), body, all)) {
            // the first call takes 1.5 s (delay_ms); the client hangs up while it runs
            await().atMost(Duration.ofSeconds(10)).until(() -> !mcp.calls().isEmpty());
        }
        EventTail tail = EventTail.of(bootstrapServers);
        List<InterceptionEvent> events = tail.awaitEnded(tail.awaitStart(s -> session.equals(s.clientSessionId()), Duration.ofSeconds(10)),
                Duration.ofSeconds(15));

        assertThat(ProxyClient.summary(events)).anyMatch(line -> line.startsWith("ended cancelled") && line.endsWith("client_disconnected"));
        List<ToolUsageRecorded> tools = events.stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast).toList();
        assertThat(tools).extracting(ToolUsageRecorded::providerToolCallId).as("both calls the model made are recorded, once each")
                .containsExactly("toolu_01c2e4a6b8d0f2a4c6e8b0d2", "toolu_01d3f5b7c9e1a3b5d7f9c1e3");
        assertThat(tools.get(0).invocationError()).as("the call that was running").isNull();
        assertThat(tools.get(1).injected()).isTrue();
        assertThat(tools.get(1).invocationError()).as("the call never started")
                .isEqualTo("not run: the client closed the connection before it started");
        Thread.sleep(300);
        assertThat(mcp.calls()).as("the round's second call is not started for a client that left")
                .extracting(c -> c.arguments().get("text")).containsExactly("first, slowly");
        assertThat(fake.requests("/v1/messages")).hasSize(1);
    }

    @Test
    void aLargeConversationIsWrittenAndItsLargeAnswersAreReadOffTheEventLoop() {
        // a long conversation (1.2 MB) whose every answer is 1.2 MB: each round's body is written, and each answer read,
        // on a worker thread; what the client gets and what is recorded are as for a small one
        int large = 1_200_000;
        ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo").request(false);
        JsonNode question = request.path("messages").get(0);
        com.fasterxml.jackson.databind.node.ArrayNode messages = request.putArray("messages");
        messages.addObject().put("role", "user").put("content", "x".repeat(large));
        messages.addObject().put("role", "assistant").put("content", "Noted.");
        messages.add(question);
        String[] headers = java.util.Arrays.copyOf(headers(Api.ANTHROPIC_MESSAGES, "mcp-echo"), 8);
        headers[6] = FakeProvider.PAD_BYTES_HEADER;
        headers[7] = String.valueOf(large);

        HttpResponse<String> response;
        List<Boolean> reads;
        List<Boolean> writes;
        try (LargeJsonWatch watch = LargeJsonWatch.of(io.aibridge.proxy.interception.Json.MAPPER, 1024 * 1024)) {
            response = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request.toString(), headers);
            reads = watch.reads();
            writes = watch.writes();
        }

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.path("content")).hasSize(1);
        assertThat(body.path("content").get(0).path("text").asText()).isEqualTo("The tool answered: all good.");
        assertThat(body.path("usage").path("input_tokens").asLong()).isEqualTo(850);
        assertThat(body.path("usage").path("output_tokens").asLong()).isEqualTo(42);
        List<RecordedRequest> upstream = fake.requests("/v1/messages");
        assertThat(upstream).hasSize(2);
        assertThat(upstream.get(1).json().path("messages")).hasSize(5);
        assertThat(upstream.get(1).json().path("messages").get(0).path("content").asText()).hasSize(large);
        assertThat(upstream.get(1).json().path("messages").get(4).path("content").get(0).path("content").get(0).path("text").asText())
                .isEqualTo("echo: hello from the model");
        List<InterceptionEvent> events = events(response);
        assertThat(single(events, ToolUsageRecorded.class).tool()).isEqualTo("echo");
        assertThat(tokens(events)).containsExactly("in=400 out=30 cache_read=100", "in=450 out=12 cache_read=200");
        List<String> summary = ProxyClient.summary(events);
        assertThat(summary.get(summary.size() - 1)).as("the end after the answers' records").startsWith("ended completed 200");

        assertThat(writes).as("both rounds' bodies written, off the event loop").hasSizeGreaterThanOrEqualTo(2).containsOnly(false);
        assertThat(reads).as("the request and both answers read, off the event loop").hasSizeGreaterThanOrEqualTo(3).containsOnly(false);
    }

    /** Ten million characters streamed into the injected call's arguments: more than the 8 Mi a round holds by default. */
    private static final String[] STRETCHED_ARGUMENTS = {FakeProvider.STRETCH_HEADER, "2000000:hello"};
    private static final String HELD_LIMIT = "longer than 8388608 characters (twice AIBRIDGE_EVENTS_MAX_PROMPT_CHARS, at least 1 Mi)";

    @Test
    void chatStreamWhoseInjectedCallArgumentsPassTheHeldLimitEndsFailedWithAnErrorChunkAndRunsNothing() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-echo", true, STRETCHED_ARGUMENTS);

        List<JsonNode> chunks = assertChatRoundPastTheHeldLimit(response);
        assertThat(chunks.subList(0, chunks.size() - 1).stream().map(c -> c.path("choices").get(0).path("delta").path("content").asText(""))
                .collect(Collectors.joining())).isEqualTo("Let me ask the echo tool.");
        assertThat(response.body()).doesNotContain("hellohello");
    }

    @Test
    void anthropicStreamWhoseInjectedCallInputPassesTheHeldLimitEndsFailedWithAnErrorEventAndRunsNothing() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-echo", true, STRETCHED_ARGUMENTS);

        assertAnthropicRoundPastTheHeldLimit(response, 1);
        assertThat(text(SseFrames.split(response.body()))).isEqualTo("Let me ask the echo tool.");
        assertThat(response.body()).doesNotContain("hellohello");
    }

    @Test
    void anthropicStreamWhoseInjectedCallStartsWithAnInputPastTheHeldLimitEndsFailedAndRunsNothing() {
        // the tool_use block starts with its whole input (no input_json_delta): ten million characters
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-echo-initial", true, FakeProvider.STRETCH_HEADER, "2000000:hello");

        assertAnthropicRoundPastTheHeldLimit(response, 1);
        assertThat(initialText(SseFrames.split(response.body()))).isEqualTo("Let me ask the echo tool.");
    }

    @Test
    void anthropicStreamWhoseTextBlockStartsWithATextPastTheHeldLimitEndsFailedAndRunsNothing() {
        // the text block starts with nine million characters; the client still gets them
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-echo-initial", true, FakeProvider.STRETCH_HEADER, "1500000:Let me");

        assertAnthropicRoundPastTheHeldLimit(response, 1);
        assertThat(initialText(SseFrames.split(response.body()))).startsWith("Let meLet me").endsWith("Let me ask the echo tool.").hasSize(9_000_019);
    }

    @Test
    void anthropicStreamWhoseCitationIsPastTheHeldLimitEndsFailedAndRunsNothing() {
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-echo-initial", true, FakeProvider.STRETCH_HEADER, "800000:answers what");

        assertAnthropicRoundPastTheHeldLimit(response, 1);
        assertThat(data(SseFrames.split(response.body()), "content_block_delta").get(0).path("delta").path("citation").path("cited_text").asText())
                .as("relayed as it came").hasSize(9_600_027);
    }

    /** The text the stream's first block started with. */
    private static String initialText(List<String> frames) {
        return data(frames, "content_block_start").get(0).path("content_block").path("text").asText();
    }

    @Test
    void anthropicStreamOfVeryManySmallBlocksRunsTheHeldLimitOutAndRecordsEveryLaterInjectedCallAsNotRun() {
        // fifty thousand text blocks, each charged its start's JSON, its text and 64 characters: about 9.3 Mi, past the 8 Mi a round holds
        HttpResponse<String> response = send(Api.ANTHROPIC_MESSAGES, "mcp-three-calls", true, FakeProvider.REPEAT_BLOCK_HEADER, "50000:0");

        List<ToolUsageRecorded> tools = assertAnthropicRoundPastTheHeldLimit(response, 3);
        assertThat(tools).extracting(ToolUsageRecorded::providerToolCallId)
                .containsExactly("toolu_01e5a7c9b1d3f5a7c9e1b3d5", "toolu_01f6b8d0c2e4a6b8d0f2c4e6", "toolu_01a7c9e1d3f5b7c9e1a3d5f7");
        assertThat(tools).extracting(ToolUsageRecorded::input).as("a call past the limit is not held: no input").containsOnly("{}");
        List<JsonNode> starts = data(SseFrames.split(response.body()), "content_block_start");
        assertThat(starts).as("every text block reaches the client, numbered as it came").hasSize(50_000);
        assertThat(starts.get(starts.size() - 1).path("index").asInt()).isEqualTo(49_999);
    }

    /**
     * An Anthropic round that called the injected echo {@code calls} times but held more than it may: an
     * error event, nothing run, each call recorded as not run (returned), failed.
     */
    private List<ToolUsageRecorded> assertAnthropicRoundPastTheHeldLimit(HttpResponse<String> response, int calls) {
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> frames = SseFrames.split(response.body());
        List<String> names = frames.stream().map(f -> f.substring("event: ".length(), f.indexOf('\n'))).toList();
        assertThat(names.get(names.size() - 1)).isEqualTo("error");
        assertThat(names).doesNotContain("message_stop");
        JsonNode error = data(frames, "error").get(0).path("error");
        assertThat(error.path("type").asText()).isEqualTo("api_error");
        assertThat(error.path("message").asText()).contains("round 1", HELD_LIMIT);
        assertThat(response.body()).doesNotContain("tool_use", "bmcp_");
        assertThat(fake.requests("/v1/messages")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("the tool needs its whole input: not run").isEmpty();
        return assertRecordedNotRunAndFailed(events(response), calls);
    }

    /** The injected echo's calls (as many as given, returned) recorded as not run for the held limit, and the interception ended failed for it. */
    private static List<ToolUsageRecorded> assertRecordedNotRunAndFailed(List<InterceptionEvent> events, int calls) {
        List<ToolUsageRecorded> tools = events.stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast).toList();
        assertThat(tools).as("the tool usages in %s", ProxyClient.summary(events)).hasSize(calls).allSatisfy(tool -> {
            assertThat(tool.injected()).isTrue();
            assertThat(tool.tool()).isEqualTo("echo");
            assertThat(tool.invocationError()).startsWith("not run:").contains(HELD_LIMIT);
        });
        InterceptionEnded end = single(events, InterceptionEnded.class);
        assertThat(end.status()).isEqualTo(io.aibridge.events.EndStatus.FAILED);
        assertThat(end.errorType()).isEqualTo("upstream_too_large");
        assertThat(end.errorMessage()).contains("round 1", HELD_LIMIT);
        return tools;
    }

    @Test
    void chatStreamWhoseInjectedCallIdIsPastTheHeldLimitEndsFailedWithAnErrorChunkAndRunsNothing() {
        HttpResponse<String> response = send(Api.OPENAI_CHAT, "mcp-echo", true, FakeProvider.STRETCH_HEADER, "800000:call_2d59968d");

        assertChatRoundPastTheHeldLimit(response);
        assertThat(response.body()).doesNotContain("call_2d59968d");
    }

    /**
     * A Chat round that called the injected echo but held more than it may: an error chunk and one
     * {@code [DONE]}, no next round, nothing run, the call recorded as not run, failed; the chunks before {@code [DONE]}.
     */
    private List<JsonNode> assertChatRoundPastTheHeldLimit(HttpResponse<String> response) {
        List<JsonNode> chunks = chatChunks(response);
        JsonNode error = chunks.get(chunks.size() - 1).path("error");
        assertThat(error.path("type").asText()).isEqualTo("server_error");
        assertThat(error.path("message").asText()).contains("round 1", HELD_LIMIT);
        assertThat(response.body()).doesNotContain("bmcp_");
        assertThat(fake.requests("/v1/chat/completions")).as("no next round").hasSize(1);
        assertThat(mcp.calls()).as("the tool needs its whole arguments: not run").isEmpty();
        assertRecordedNotRunAndFailed(events(response), 1);
        return chunks;
    }

    // ------------------------------------------------------------------------------- helpers

    HttpResponse<String> send(Api api, String scenario, boolean stream, String... extraHeaders) {
        ObjectNode request = Fixture.load(api, scenario).request(stream);
        String[] base = headers(api, scenario);
        String[] all = java.util.Arrays.copyOf(base, base.length + extraHeaders.length);
        System.arraycopy(extraHeaders, 0, all, base.length, extraHeaders.length);
        return proxy.post(ProxyClient.path(api), request.toString(), all);
    }

    static String[] headers(Api api, String scenario) {
        String token = FakeProviderTestResource.BOOTSTRAP_TOKEN;
        return api == Api.ANTHROPIC_MESSAGES
                ? new String[]{"x-api-key", token, "anthropic-version", "2023-06-01", FakeProvider.SCENARIO_HEADER, scenario}
                : new String[]{"Authorization", "Bearer " + token, FakeProvider.SCENARIO_HEADER, scenario};
    }

    List<InterceptionEvent> events(HttpResponse<?> response) {
        UUID id = ProxyClient.interceptionId(response);
        return EventTail.of(bootstrapServers).awaitEnded(id, Duration.ofSeconds(15));
    }

    static <T> T single(List<InterceptionEvent> events, Class<T> type) {
        List<T> found = events.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("one %s in %s", type.getSimpleName(), ProxyClient.summary(events)).hasSize(1);
        return found.get(0);
    }

    static List<String> tokens(List<InterceptionEvent> events) {
        return events.stream().filter(TokenUsageRecorded.class::isInstance).map(TokenUsageRecorded.class::cast)
                .map(t -> "in=" + t.inputTokens() + " out=" + t.outputTokens() + " cache_read=" + t.cacheReadInputTokens()).toList();
    }

    /** A Chat stream answered 200 whose last frame, and only that one, is {@code [DONE]}: the chunks before it. */
    static List<JsonNode> chatChunks(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> data = SseFrames.data(response.body());
        assertThat(data.stream().filter("[DONE]"::equals)).hasSize(1);
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        return data.subList(0, data.size() - 1).stream().map(ProxyClient::json).toList();
    }

    /** The text a Chat stream's chunks carry in choice 0. */
    static String chatText(List<JsonNode> chunks) {
        return chunks.stream().map(c -> c.path("choices").get(0).path("delta").path("content").asText("")).collect(Collectors.joining());
    }

    static List<JsonNode> data(List<String> frames, String event) {
        return frames.stream().filter(f -> f.startsWith("event: " + event + "\n")).map(f -> json(SseFrames.data(f).get(0))).toList();
    }

    static String text(List<String> frames) {
        return data(frames, "content_block_delta").stream().map(d -> d.path("delta").path("text").asText("")).collect(Collectors.joining());
    }
}
