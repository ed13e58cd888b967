package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The official OpenAI and Anthropic Java SDKs, pointed at the proxy, work as they do against the providers. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class SdkTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private OpenAIClient openai;
    private AnthropicClient anthropic;

    @BeforeEach
    void setUp() {
        String base = proxyUrl.toString().replaceAll("/$", "");
        openai = OpenAIOkHttpClient.builder().apiKey(FakeProviderTestResource.BOOTSTRAP_TOKEN)
                .baseUrl(base + "/api/v2/aibridge/openai/v1").maxRetries(0).build();
        anthropic = AnthropicOkHttpClient.builder().apiKey(FakeProviderTestResource.BOOTSTRAP_TOKEN)
                .baseUrl(base + "/api/v2/aibridge/anthropic").maxRetries(0).build();
        FakeProviderTestResource.fake().clear();
    }

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @Test
    void openAiChatCompletionsBlockingParsesTheUsage() {
        ChatCompletion completion = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("When does the contract renew? [scenario:cache-tokens]").build());
        assertThat(completion.choices().get(0).message().content()).hasValue("The contract renews on 1 March 2027.");
        assertThat(completion.usage().get().promptTokens()).isEqualTo(2006);
        assertThat(completion.usage().get().promptTokensDetails().get().cachedTokens()).hasValue(1920L);
    }

    @Test
    void openAiChatCompletionsStreamingGetsUsageOnlyWhenItAsks() {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("When does the contract renew? [scenario:cache-tokens]");
        List<ChatCompletionChunk> withoutUsage = new ArrayList<>();
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params.build())) {
            stream.stream().forEach(chunk -> {
                withoutUsage.add(chunk);
                accumulator.accumulate(chunk);
            });
        }
        assertThat(accumulator.chatCompletion().choices().get(0).message().content()).hasValue("The contract renews on 1 March 2027.");
        assertThat(withoutUsage).allSatisfy(chunk -> assertThat(chunk.usage()).isEmpty());

        List<ChatCompletionChunk> withUsage = new ArrayList<>();
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(
                params.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(withUsage::add);
        }
        assertThat(withUsage.get(withUsage.size() - 1).usage()).hasValueSatisfying(u -> {
            assertThat(u.totalTokens()).isEqualTo(2306);
            assertThat(u.promptTokensDetails().get().cachedTokens()).hasValue(1920L);
        });
    }

    @Test
    void openAiChatCompletionsTwoTurnToolLoopIsLinkedByTheToolCallId() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string")))).build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("gpt-4o-mini").addTool(weather)
                .addUserMessage("What's the weather like in Paris? [scenario:tool-call]").build();
        HttpResponseFor<ChatCompletion> raw1 = openai.chat().completions().withRawResponse().create(first);
        ChatCompletion turn1 = raw1.parse();
        ChatCompletionMessageToolCall call = turn1.choices().get(0).message().toolCalls().get().get(0);
        assertThat(call.asFunction().function().name()).isEqualTo("get_weather");
        assertThat(call.asFunction().function().arguments()).isEqualTo("{\"location\":\"Paris, France\",\"unit\":\"celsius\"}");
        assertThat(toolUsagesOf(raw1.headers().values(ProxyClient.INTERCEPTION_HEADER))).singleElement().satisfies(used -> {
            assertThat(used.providerToolCallId()).isEqualTo(call.asFunction().id());
            assertThat(used.tool()).isEqualTo("get_weather");
            assertThat(used.input()).isEqualTo(call.asFunction().function().arguments());
        });

        HttpResponseFor<ChatCompletion> raw = openai.chat().completions().withRawResponse().create(first.toBuilder()
                .addMessage(turn1.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id()).content("18 °C, sunny").build())
                .build());
        ChatCompletion turn2 = raw.parse();
        assertThat(turn2.choices().get(0).message().content()).hasValue("Bonjour ! Il fait 18 °C à Paris ☀️ aujourd'hui.");
        assertThat(turn2.usage().get().completionTokens()).isEqualTo(15);

        // this test's own second turn, by the id the proxy answered it with: other classes on the same
        // broker send the same fixture call id, so a search by call id alone would find theirs
        InterceptionStarted second = startOf(raw.headers().values(ProxyClient.INTERCEPTION_HEADER));
        assertThat(second.correlatingToolCallId()).isEqualTo(call.asFunction().id());
        assertThat(second.model()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void openAiResponsesBlockingAndStreamingParseTheUsage() {
        ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-5.3-codex")
                .input("When does the contract renew? [scenario:cache-tokens]").build();
        Response response = openai.responses().create(params);
        assertThat(response.usage().get().inputTokens()).isEqualTo(5000);
        assertThat(response.usage().get().inputTokensDetails().cachedTokens()).isEqualTo(4864);

        List<ResponseStreamEvent> events = new ArrayList<>();
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream = openai.responses().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertThat(last.isCompleted()).isTrue();
        assertThat(last.asCompleted().response().usage().get().outputTokens()).isEqualTo(120);
    }

    @Test
    void openAiResponsesTwoTurnToolLoopIsLinkedByTheCallId() {
        ResponseInputItem ask = ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                .content("What's the weather like in Paris? [scenario:tool-call]").build());
        ResponseCreateParams first = ResponseCreateParams.builder().model("gpt-5.3-codex")
                .addTool(FunctionTool.builder().name("get_weather").strict(false)
                        .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string")))).build())
                        .build())
                .inputOfResponse(List.of(ask)).build();
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        HttpResponseFor<com.openai.core.http.StreamResponse<ResponseStreamEvent>> raw1 = openai.responses().withRawResponse().createStreaming(first);
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream = raw1.parse()) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Response turn1 = accumulator.response();
        List<ResponseFunctionToolCall> calls = turn1.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).toList();
        assertThat(calls).hasSize(1);
        ResponseFunctionToolCall call = calls.get(0);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"location\":\"Paris, France\",\"unit\":\"celsius\"}");
        assertThat(call.callId()).isNotBlank();
        assertThat(turn1.usage().get().inputTokens()).isEqualTo(310);
        assertThat(turn1.usage().get().outputTokens()).isEqualTo(25);

        // the previous output back as input, then the function's result under the call's call_id
        HttpResponseFor<Response> raw2 = openai.responses().withRawResponse().create(first.toBuilder()
                .inputOfResponse(List.of(ask, ResponseInputItem.ofFunctionCall(call),
                        ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                .callId(call.callId()).output("18 °C, sunny [scenario:tool-result]").build())))
                .build());
        Response turn2 = raw2.parse();
        assertThat(turn2.output()).hasSize(1);
        assertThat(turn2.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("It is 18 °C and sunny in Paris.");
        assertThat(turn2.usage().get().outputTokens()).isEqualTo(12);

        // the first turn's tool usage carries the call id the second turn is linked by
        ToolUsageRecorded used = endedEvents(raw1.headers().values(ProxyClient.INTERCEPTION_HEADER)).stream()
                .filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("the first turn recorded no tool usage"));
        assertThat(used.providerToolCallId()).isEqualTo(call.callId());
        assertThat(used.tool()).isEqualTo("get_weather");
        assertThat(used.input()).isEqualTo(call.arguments());
        assertThat(used.injected()).isFalse();

        InterceptionStarted second = startOf(raw2.headers().values(ProxyClient.INTERCEPTION_HEADER));
        assertThat(second.correlatingToolCallId()).isEqualTo(call.callId());
        assertThat(second.model()).isEqualTo("gpt-5.3-codex");
    }

    @Test
    void anthropicMessagesBlockingAndStreamingParseTheUsage() {
        MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5-20250929").maxTokens(1024)
                .addUserMessage("When does the contract renew? [scenario:cache-tokens]").build();
        Message message = anthropic.messages().create(params);
        assertThat(message.usage().inputTokens()).isEqualTo(4);
        assertThat(message.usage().cacheReadInputTokens()).hasValue(30000L);
        assertThat(message.usage().cacheCreation().get().ephemeral1hInputTokens()).isEqualTo(200);

        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        assertThat(streamed.usage().outputTokens()).isEqualTo(40);
        assertThat(streamed.usage().cacheReadInputTokens()).hasValue(30000L);
        assertThat(streamed.content().get(0).asText().text()).isEqualTo("The contract's renewal date is 1 March 2027.");
    }

    @Test
    void anthropicMessagesTwoTurnToolLoopStreamsAndIsLinkedByTheToolUseId() {
        MessageCreateParams first = MessageCreateParams.builder().model("claude-sonnet-4-5-20250929").maxTokens(1024)
                .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
                        .putAdditionalProperty("properties", com.anthropic.core.JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .build()).build())
                .addUserMessage("What's the weather like in Paris? [scenario:tool-calls]").build();
        MessageAccumulator accumulator = MessageAccumulator.create();
        com.anthropic.core.http.HttpResponseFor<StreamResponse<RawMessageStreamEvent>> raw1 =
                anthropic.messages().withRawResponse().createStreaming(first);
        try (StreamResponse<RawMessageStreamEvent> stream = raw1.parse()) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message turn1 = accumulator.message();
        List<ToolUseBlock> uses = turn1.content().stream().filter(b -> b.isToolUse()).map(b -> b.asToolUse()).toList();
        assertThat(uses).extracting(ToolUseBlock::name).containsExactly("get_weather", "get_time");
        // both streamed calls recorded, each with the id and the input the SDK assembled from the deltas
        List<ToolUsageRecorded> recorded = toolUsagesOf(raw1.headers().values(ProxyClient.INTERCEPTION_HEADER));
        assertThat(recorded).extracting(ToolUsageRecorded::providerToolCallId).containsExactly(uses.get(0).id(), uses.get(1).id());
        assertThat(recorded).extracting(ToolUsageRecorded::tool).containsExactly("get_weather", "get_time");
        for (int i = 0; i < uses.size(); i++) {
            assertThat(json(recorded.get(i).input())).isEqualTo(com.anthropic.core.ObjectMappers.jsonMapper().valueToTree(uses.get(i)._input()));
        }

        List<ContentBlockParam> results = uses.stream().map(u -> ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                .toolUseId(u.id()).content(u.name().equals("get_weather") ? "18 °C" : "14:05").build())).toList();
        com.anthropic.core.http.HttpResponseFor<Message> raw = anthropic.messages().withRawResponse().create(first.toBuilder()
                .addMessage(turn1)
                .addMessage(com.anthropic.models.messages.UserMessageParam.builder().contentOfContentBlockParams(results).build()).build());
        assertThat(raw.parse().usage().outputTokens()).isEqualTo(14);

        // the last tool_result block names the correlating call, on this test's own second turn
        InterceptionStarted second = startOf(raw.headers().values(ProxyClient.INTERCEPTION_HEADER));
        assertThat(second.correlatingToolCallId()).isEqualTo(uses.get(1).id());
        assertThat(second.model()).isEqualTo("claude-sonnet-4-5-20250929");
    }

    /** The start of the one interception the proxy named in its response header, once the interception has ended. */
    private InterceptionStarted startOf(List<String> interceptionHeader) {
        return endedEvents(interceptionHeader).stream()
                .filter(InterceptionStarted.class::isInstance).map(InterceptionStarted.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("interception " + interceptionHeader + " ended without a start event"));
    }

    /** The tool usages the interception named in the response header recorded, in the order the model made the calls. */
    private List<ToolUsageRecorded> toolUsagesOf(List<String> interceptionHeader) {
        return endedEvents(interceptionHeader).stream().filter(ToolUsageRecorded.class::isInstance).map(ToolUsageRecorded.class::cast)
                .toList();
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** The events of the one interception the proxy named in its response header, once the interception has ended. */
    private List<InterceptionEvent> endedEvents(List<String> interceptionHeader) {
        assertThat(interceptionHeader).as(ProxyClient.INTERCEPTION_HEADER).hasSize(1);
        return EventTail.of(bootstrapServers).awaitEnded(UUID.fromString(interceptionHeader.get(0)), Duration.ofSeconds(10));
    }
}
