package io.aibridge.system.traffic;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.Usage;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.system.traffic.Expected.Tokens;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The official OpenAI and Anthropic Java SDKs, pointed at the proxy with one user's key, making the
 * requests agents make: blocking and streaming on all three APIs, client tool loops (two
 * interceptions each) and thinking. Each call returns what its requests must have become, with the
 * token usage the SDK itself parsed from the answer. No retries: one call is one request.
 */
public final class Clients implements AutoCloseable {

    public static final String INTERCEPTION_HEADER = "X-AIBridge-Interception-Id";
    private static final String CLAUDE = "claude-sonnet-4-5-20250929";

    private final OpenAIClient openai;
    private final AnthropicClient anthropic;
    /** Claude on AWS Bedrock, which callers reach with Anthropic's API all the same. */
    private final AnthropicClient bedrock;
    /** The instance with two keys, whose first one the fake provider rate-limits for these requests. */
    private final OpenAIClient pool;

    public Clients(SystemStack stack, String token) {
        this.openai = OpenAIOkHttpClient.builder().apiKey(token).baseUrl(stack.openAiBaseUrl()).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
        this.anthropic = AnthropicOkHttpClient.builder().apiKey(token).baseUrl(stack.anthropicBaseUrl()).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
        this.bedrock = AnthropicOkHttpClient.builder().apiKey(token).baseUrl(stack.bedrockBaseUrl()).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
        this.pool = OpenAIOkHttpClient.builder().apiKey(token).baseUrl(stack.poolBaseUrl()).maxRetries(0)
                .putHeader(FakeProvider.REFUSED_KEYS_HEADER, SystemStack.POOL_REFUSED_KEY + "=429:1")
                .timeout(Duration.ofSeconds(30)).build();
    }

    public OpenAIClient openai() {
        return openai;
    }

    public AnthropicClient anthropic() {
        return anthropic;
    }

    /** The kinds of request in the steady traffic, in the order a loop cycles through them. */
    public enum Kind {
        CHAT_BLOCKING, CHAT_STREAMING, RESPONSES_BLOCKING, RESPONSES_STREAMING, MESSAGES_BLOCKING_THINKING,
        MESSAGES_STREAMING, MESSAGES_TOOL_LOOP, CHAT_TOOL_LOOP, BEDROCK_STREAMING, KEY_FAILOVER_STREAMING
    }

    public List<Expected> run(Kind kind) {
        return switch (kind) {
            case CHAT_BLOCKING -> List.of(chatBlocking("When does the contract renew? [scenario:cache-tokens]"));
            case CHAT_STREAMING -> List.of(chatStreaming("Say hello in French. [scenario:text]"));
            case RESPONSES_BLOCKING -> List.of(responsesBlocking("Plan the migration. [scenario:reasoning]"));
            case RESPONSES_STREAMING -> List.of(responsesStreaming("When does the contract renew? [scenario:cache-tokens]"));
            case MESSAGES_BLOCKING_THINKING -> List.of(messagesBlocking("Think it through. [scenario:thinking]"));
            case MESSAGES_STREAMING -> List.of(messagesStreaming("When does the contract renew? [scenario:cache-tokens]"));
            case MESSAGES_TOOL_LOOP -> messagesToolLoop();
            case CHAT_TOOL_LOOP -> chatToolLoop();
            case BEDROCK_STREAMING -> List.of(bedrockStreaming("When does the contract renew? [scenario:cache-tokens]"));
            case KEY_FAILOVER_STREAMING -> List.of(poolStreaming("Say hello in French. [scenario:text]"));
        };
    }

    static Tokens tokens(CompletionUsage u) {
        long cached = u.promptTokensDetails().flatMap(d -> d.cachedTokens()).orElse(0L);
        return new Tokens(u.promptTokens() - cached, u.completionTokens(), cached, 0);
    }

    static Tokens tokens(ResponseUsage u) {
        long cached = u.inputTokensDetails().cachedTokens();
        return new Tokens(u.inputTokens() - cached, u.outputTokens(), cached, 0);
    }

    static Tokens tokens(Usage u) {
        return new Tokens(u.inputTokens(), u.outputTokens(), u.cacheReadInputTokens().orElse(0L), u.cacheCreationInputTokens().orElse(0L));
    }

    private static String id(com.openai.core.http.Headers headers) {
        return headers.values(INTERCEPTION_HEADER).get(0);
    }

    private static String id(com.anthropic.core.http.Headers headers) {
        return headers.values(INTERCEPTION_HEADER).get(0);
    }

    public Expected chatBlocking(String prompt) {
        com.openai.core.http.HttpResponseFor<ChatCompletion> r = openai.chat().completions().withRawResponse()
                .create(ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(prompt).build());
        ChatCompletion c = r.parse();
        return Expected.completed(id(r.headers()), "chat blocking", tokens(c.usage().orElseThrow()));
    }

    public Expected chatStreaming(String prompt) {
        return chatStream(openai, "chat streaming", prompt);
    }

    private static Expected chatStream(OpenAIClient client, String kind, String prompt) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(prompt)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        com.openai.core.http.HttpResponseFor<com.openai.core.http.StreamResponse<ChatCompletionChunk>> r =
                client.chat().completions().withRawResponse().createStreaming(params);
        Tokens tokens = null;
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = r.parse()) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                if (chunk.usage().isPresent()) {
                    tokens = tokens(chunk.usage().get());
                }
            }
        }
        return Expected.completed(id(r.headers()), kind, required(tokens, kind + " usage"));
    }

    public Expected responsesBlocking(String prompt) {
        com.openai.core.http.HttpResponseFor<Response> r = openai.responses().withRawResponse()
                .create(ResponseCreateParams.builder().model("gpt-5.3-codex").input(prompt).build());
        return Expected.completed(id(r.headers()), "responses blocking", tokens(r.parse().usage().orElseThrow()));
    }

    public Expected responsesStreaming(String prompt) {
        com.openai.core.http.HttpResponseFor<com.openai.core.http.StreamResponse<ResponseStreamEvent>> r = openai.responses()
                .withRawResponse().createStreaming(ResponseCreateParams.builder().model("gpt-5.3-codex").input(prompt).build());
        Tokens tokens = null;
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream = r.parse()) {
            for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
                if (e.isCompleted()) {
                    tokens = tokens(e.asCompleted().response().usage().orElseThrow());
                }
            }
        }
        return Expected.completed(id(r.headers()), "responses streaming", required(tokens, "response.completed usage"));
    }

    public Expected messagesBlocking(String prompt) {
        HttpResponseFor<Message> r = anthropic.messages().withRawResponse().create(MessageCreateParams.builder().model(CLAUDE)
                .maxTokens(4096).enabledThinking(2048).addUserMessage(prompt).build());
        return Expected.completed(id(r.headers()), "messages blocking", tokens(r.parse().usage()));
    }

    public Expected messagesStreaming(String prompt) {
        HttpResponseFor<StreamResponse<RawMessageStreamEvent>> r = anthropic.messages().withRawResponse()
                .createStreaming(MessageCreateParams.builder().model(CLAUDE).maxTokens(1024).addUserMessage(prompt).build());
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = r.parse()) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return Expected.completed(id(r.headers()), "messages streaming", tokens(accumulator.message().usage()));
    }

    /**
     * A chat stream through the instance with two keys: the provider rate-limits the first (for a
     * second each time), so the request goes on with the second, unseen by the SDK.
     */
    public Expected poolStreaming(String prompt) {
        return chatStream(pool, "pool streaming", prompt);
    }

    /** Claude on AWS Bedrock, streamed: AWS's event stream reaches the SDK as Anthropic's SSE. */
    public Expected bedrockStreaming(String prompt) {
        HttpResponseFor<StreamResponse<RawMessageStreamEvent>> r = bedrock.messages().withRawResponse()
                .createStreaming(MessageCreateParams.builder().model(CLAUDE).maxTokens(1024).addUserMessage(prompt).build());
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = r.parse()) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return Expected.completed(id(r.headers()), "bedrock streaming", tokens(accumulator.message().usage()));
    }

    /** Claude calls two tools (streamed); the client answers with both results (blocking): two interceptions. */
    public List<Expected> messagesToolLoop() {
        MessageCreateParams first = MessageCreateParams.builder().model(CLAUDE).maxTokens(1024)
                .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
                        .putAdditionalProperty("properties", com.anthropic.core.JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .build()).build())
                .addUserMessage("What's the weather like in Paris? [scenario:tool-calls]").build();
        List<Expected> out = new ArrayList<>();
        HttpResponseFor<StreamResponse<RawMessageStreamEvent>> r1 = anthropic.messages().withRawResponse().createStreaming(first);
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = r1.parse()) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message turn1 = accumulator.message();
        out.add(Expected.completed(id(r1.headers()), "messages tool loop turn 1", tokens(turn1.usage())));
        List<ToolUseBlock> uses = turn1.content().stream().filter(b -> b.isToolUse()).map(b -> b.asToolUse()).toList();
        List<ContentBlockParam> results = uses.stream().map(u -> ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                .toolUseId(u.id()).content(u.name().equals("get_weather") ? "18 °C" : "14:05").build())).toList();
        HttpResponseFor<Message> r2 = anthropic.messages().withRawResponse().create(first.toBuilder().addMessage(turn1)
                .addMessage(com.anthropic.models.messages.UserMessageParam.builder().contentOfContentBlockParams(results).build()).build());
        out.add(Expected.completed(id(r2.headers()), "messages tool loop turn 2", tokens(r2.parse().usage())));
        return out;
    }

    /** The model calls a function (blocking); the client answers with its result: two interceptions. */
    public List<Expected> chatToolLoop() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string")))).build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("gpt-4o-mini").addTool(weather)
                .addUserMessage("What's the weather like in Paris? [scenario:tool-call]").build();
        List<Expected> out = new ArrayList<>();
        com.openai.core.http.HttpResponseFor<ChatCompletion> r1 = openai.chat().completions().withRawResponse().create(first);
        ChatCompletion turn1 = r1.parse();
        out.add(Expected.completed(id(r1.headers()), "chat tool loop turn 1", tokens(turn1.usage().orElseThrow())));
        ChatCompletionMessageToolCall call = turn1.choices().get(0).message().toolCalls().orElseThrow().get(0);
        com.openai.core.http.HttpResponseFor<ChatCompletion> r2 = openai.chat().completions().withRawResponse().create(first.toBuilder()
                .addMessage(turn1.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id()).content("18 °C, sunny").build())
                .build());
        out.add(Expected.completed(id(r2.headers()), "chat tool loop turn 2", tokens(r2.parse().usage().orElseThrow())));
        return out;
    }

    private static Tokens required(Tokens t, String what) {
        if (t == null) {
            throw new IllegalStateException("the SDK saw no " + what);
        }
        return t;
    }

    @Override
    public void close() {
        openai.close();
        anthropic.close();
        bedrock.close();
        pool.close();
    }
}
