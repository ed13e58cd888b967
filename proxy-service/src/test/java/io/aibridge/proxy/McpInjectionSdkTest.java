package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.RecordedRequest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official Anthropic and OpenAI Java SDKs through a proxy that injects MCP tools: each gets one
 * well-formed answer (the SDKs' own accumulators put the streams together without complaint),
 * no trace of the injected calls, and the usage of all rounds.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "bedrock-instance", value = "0:claude-aws"),
        @ResourceArg(name = "proxy.providers[1].type", value = "anthropic"),
        @ResourceArg(name = "proxy.providers[1].name", value = "anthropic-pool"),
        @ResourceArg(name = "proxy.providers[1].keys", value = McpInjectionSdkTest.POOL_A + "," + McpInjectionSdkTest.POOL_B),
        @ResourceArg(name = "proxy.providers[1].base-url", value = "{fake}/")})
@WithTestResource(McpTestResource.class)
class McpInjectionSdkTest {

    static final String POOL_A = "sk-ant-api03-mcp-pool-primary-0001";
    static final String POOL_B = "sk-ant-api03-mcp-pool-second-0002";

    @TestHTTPResource("/")
    URL proxyUrl;

    private String base;

    @BeforeEach
    void setUp() {
        base = proxyUrl.toString().replaceAll("/$", "");
        FakeProviderTestResource.fake().clear();
    }

    private AnthropicClient anthropic(String scenario) {
        return anthropic("anthropic", scenario);
    }

    private AnthropicClient anthropic(String instance, String scenario) {
        return AnthropicOkHttpClient.builder().apiKey(FakeProviderTestResource.BOOTSTRAP_TOKEN).baseUrl(base + "/api/v2/aibridge/" + instance)
                .putHeader(FakeProvider.SCENARIO_HEADER, scenario).maxRetries(0).build();
    }

    private OpenAIClient openai(String scenario) {
        return OpenAIOkHttpClient.builder().apiKey(FakeProviderTestResource.BOOTSTRAP_TOKEN).baseUrl(base + "/api/v2/aibridge/openai/v1")
                .putHeader(FakeProvider.SCENARIO_HEADER, scenario).maxRetries(0).build();
    }

    private static MessageCreateParams anthropicParams() {
        return MessageCreateParams.builder().model("claude-sonnet-4-5-20250929").maxTokens(1024)
                .addUserMessage("Use the company tools, please.").build();
    }

    @Test
    void anthropicSdkStreamAccumulatesIntoOneMessageWithoutTheInjectedCalls() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic("mcp-chain").messages().createStreaming(anthropicParams())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();
        assertThat(message.content()).allSatisfy(block -> assertThat(block.isToolUse()).isFalse());
        assertThat(message.content().stream().filter(ContentBlock::isText).map(b -> b.asText().text()).toList())
                .containsExactly("The tool answered: all good.");
        assertThat(message.usage().outputTokens()).isEqualTo(18 + 20 + 12);
        assertThat(message.usage().inputTokens()).isEqualTo(380 + 420 + 450);
        assertThat(FakeProviderTestResource.fake().requests("/v1/messages")).hasSize(3);
    }

    @Test
    void onAwsBedrockEveryRoundIsBedrocksCallAndTheSdkGetsOneMessage() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic("claude-aws", "mcp-chain").messages()
                .createStreaming(anthropicParams())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();
        assertThat(message.content().stream().filter(ContentBlock::isText).map(b -> b.asText().text()).toList())
                .containsExactly("The tool answered: all good.");
        assertThat(message.usage().outputTokens()).isEqualTo(18 + 20 + 12);
        List<RecordedRequest> rounds = FakeProviderTestResource.fake().requests(
                "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream");
        assertThat(rounds).hasSize(3);
        for (RecordedRequest round : rounds) {
            JsonNode body = ProxyClient.json(new String(round.body(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(body.has("model")).isFalse();
            assertThat(body.path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
            assertThat(body.path("tools").findValuesAsText("name")).as("the injected tools").isNotEmpty();
        }

        Message blocking = anthropic("claude-aws", "mcp-echo").messages().create(anthropicParams());
        assertThat(blocking.content()).hasSize(1);
        assertThat(blocking.content().get(0).asText().text()).isEqualTo("The tool answered: all good.");
        assertThat(FakeProviderTestResource.fake().requests("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"))
                .hasSizeGreaterThan(1);
    }

    @Test
    void onAwsBedrockALargeConversationsRoundsAreMadeAndHashedOffTheEventLoop() throws Exception {
        // a 1.2 MB conversation with tools injected: each round's Bedrock body is written (and hashed) on a worker thread
        int large = 1_200_000;
        com.fasterxml.jackson.databind.node.ObjectNode request = io.aibridge.testing.fake.Fixture
                .load(io.aibridge.testing.fake.Api.ANTHROPIC_MESSAGES, "mcp-echo").request(false);
        JsonNode question = request.path("messages").get(0);
        com.fasterxml.jackson.databind.node.ArrayNode messages = request.putArray("messages");
        messages.addObject().put("role", "user").put("content", "x".repeat(large));
        messages.addObject().put("role", "assistant").put("content", "Noted.");
        messages.add(question);
        java.lang.reflect.Field mapper = io.aibridge.proxy.bedrock.BedrockRequest.class.getDeclaredField("JSON");
        mapper.setAccessible(true);

        java.net.http.HttpResponse<String> response;
        List<Boolean> writes;
        try (LargeJsonWatch watch = LargeJsonWatch.of((com.fasterxml.jackson.databind.ObjectMapper) mapper.get(null), 1024 * 1024)) {
            response = new ProxyClient(base).post("/api/v2/aibridge/claude-aws/v1/messages", request.toString(),
                    "x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN, "anthropic-version", "2023-06-01",
                    FakeProvider.SCENARIO_HEADER, "mcp-echo");
            writes = watch.writes();
        }

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = ProxyClient.json(response.body());
        assertThat(body.path("content")).hasSize(1);
        assertThat(body.path("content").get(0).path("text").asText()).isEqualTo("The tool answered: all good.");
        List<RecordedRequest> rounds = FakeProviderTestResource.fake().requests("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke");
        assertThat(rounds).as("signed as sent, or the fake's Bedrock would refuse them").hasSize(2);
        for (RecordedRequest round : rounds) {
            JsonNode sent = ProxyClient.json(new String(round.body(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(sent.path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
            assertThat(sent.path("messages").get(0).path("content").asText()).hasSize(large);
        }
        assertThat(writes).as("both rounds' bodies written, off the event loop").hasSizeGreaterThanOrEqualTo(2).containsOnly(false);
    }

    @Test
    void aToolLoopMovesToTheNextKeyOnceAndKeepsItForItsLaterRounds() {
        AnthropicClient pool = AnthropicOkHttpClient.builder().apiKey(FakeProviderTestResource.BOOTSTRAP_TOKEN)
                .baseUrl(base + "/api/v2/aibridge/anthropic-pool").putHeader(FakeProvider.SCENARIO_HEADER, "mcp-chain")
                .putHeader(FakeProvider.REFUSED_KEYS_HEADER, POOL_A + "=429:60").maxRetries(0).build();
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = pool.messages().createStreaming(anthropicParams())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertThat(accumulator.message().content().stream().filter(ContentBlock::isText).map(b -> b.asText().text()).toList())
                .containsExactly("The tool answered: all good.");
        assertThat(FakeProviderTestResource.fake().requests("/v1/messages")).extracting(r -> r.header("x-api-key"))
                .as("the first round sent again with the second key, and the later rounds with it").containsExactly(POOL_A, POOL_B, POOL_B, POOL_B);
    }

    @Test
    void anthropicSdkBlockingGetsTheFinalMessage() {
        Message message = anthropic("mcp-echo").messages().create(anthropicParams());
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).asText().text()).isEqualTo("The tool answered: all good.");
        assertThat(message.usage().cacheReadInputTokens()).hasValue(300L);
    }

    @Test
    void openAiSdkChatStreamAccumulatesIntoOneCompletion() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                .addUserMessage("Use the company tools, please.")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = openai("mcp-echo").chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                accumulator.accumulate(chunk);
            });
        }
        ChatCompletion completion = accumulator.chatCompletion();
        assertThat(completion.choices().get(0).message().content()).hasValue("Let me ask the echo tool.The tool answered: all good.");
        assertThat(completion.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isEqualTo(42));
    }

    @Test
    void openAiSdkChatBlockingGetsTheFinalCompletion() {
        ChatCompletion completion = openai("mcp-explode").chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("Use the company tools, please.").build());
        assertThat(completion.choices().get(0).message().content()).hasValue("The tool answered: all good.");
        assertThat(completion.usage().get().completionTokens()).isEqualTo(20 + 12);
    }

    @Test
    void openAiSdkResponsesStreamAndBlockingGetOnlyTheLastResponse() {
        ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-5.3-codex").input("Use the company tools, please.").build();
        Response response = openai("mcp-echo").responses().create(params);
        assertThat(response.output()).hasSize(1);
        assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("The tool answered: all good.");
        assertThat(response.usage().get().outputTokens()).isEqualTo(42);

        List<ResponseStreamEvent> events = new ArrayList<>();
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream = openai("mcp-echo").responses().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        assertThat(events.get(0).isCreated()).isTrue();
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertThat(last.isCompleted()).isTrue();
        assertThat(last.asCompleted().response().id()).isEqualTo(response.id());
        assertThat(last.asCompleted().response().usage().get().totalTokens()).isEqualTo(530 + 662);
    }
}
