package io.aibridge.proxy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.Metadata;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.aibridge.testing.fake.RecordedRequest;
import io.aibridge.testing.fake.SseFrames;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static io.aibridge.proxy.ProxyClient.interceptionId;
import static io.aibridge.proxy.ProxyClient.json;
import static io.aibridge.proxy.ProxyClient.summary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Claude on AWS Bedrock behind an {@code anthropic} instance ({@code AIBRIDGE_PROVIDER_<N>_BEDROCK_*}):
 * callers speak Anthropic's Messages API with their AI Bridge key, as always; the proxy calls the
 * fake provider's Bedrock Runtime, which checks the SigV4 signature with AWS's own signer and
 * streams in AWS's own event-stream framing. Every fixture is recorded exactly as it is on the
 * direct Anthropic route, under the Bedrock model id.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "bedrock-instance", value = "0:claude-aws"),
        @ResourceArg(name = "proxy.providers[1].type", value = "anthropic"),
        @ResourceArg(name = "proxy.providers[1].name", value = "claude-aws-stale"),
        @ResourceArg(name = "proxy.providers[1].bedrock.base-url", value = "{fake}"),
        @ResourceArg(name = "proxy.providers[1].bedrock.region", value = "us-east-1"),
        @ResourceArg(name = "proxy.providers[1].bedrock.access-key", value = FakeProvider.BEDROCK_ACCESS_KEY),
        @ResourceArg(name = "proxy.providers[1].bedrock.access-key-secret", value = "a-secret-that-was-rotated-away-0123456789"),
        @ResourceArg(name = "proxy.providers[1].bedrock.model", value = BedrockTest.STALE_MODEL),
        @ResourceArg(name = "proxy.providers[1].bedrock.small-fast-model", value = BedrockTest.STALE_MODEL)})
class BedrockTest extends ProxyTestBase {

    private static final String MODEL = FakeProviderTestResource.BEDROCK_MODEL;
    private static final String SMALL_FAST = FakeProviderTestResource.BEDROCK_SMALL_FAST_MODEL;
    static final String STALE_MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    private static final String PREFIX = "/api/v2/aibridge/claude-aws";
    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    private AnthropicClient client(String name) {
        return AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(proxy.baseUrl() + "/api/v2/aibridge/" + name).maxRetries(0).build();
    }

    private List<InterceptionEvent> events(UUID id) {
        return EventTail.of(bootstrapServers).awaitEnded(id, Duration.ofSeconds(20));
    }

    @Test
    void theAnthropicSdkTalksToClaudeOnBedrockBlockingAndStreamingAndTheUsageIsExact() {
        MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024)
                .metadata(Metadata.builder().userId("user_abc_account__session_5f1e").build())
                .putAdditionalHeader("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14")
                .addUserMessage("When does the contract renew? [scenario:cache-tokens]").build();
        AnthropicClient claudeCode = AnthropicOkHttpClient.builder().apiKey(TOKEN).baseUrl(proxy.baseUrl() + PREFIX).maxRetries(0)
                .putHeader("User-Agent", "claude-cli/2.0.1 (external, cli)").build();
        HttpResponseFor<Message> raw = claudeCode.messages().withRawResponse().create(params);
        Message message = raw.parse();
        assertThat(message.usage().inputTokens()).isEqualTo(4);
        assertThat(message.usage().cacheReadInputTokens()).hasValue(30000L);

        RecordedRequest blocking = onlyUpstreamRequest();
        assertThat(blocking.path()).isEqualTo("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke");
        assertThat(blocking.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + FakeProvider.BEDROCK_ACCESS_KEY + "/")
                .contains("/us-east-1/bedrock/aws4_request");
        assertThat(blocking.header("x-api-key")).as("no Anthropic key, and never the bridge token").isNull();
        assertThat(blocking.header("anthropic-version")).isNull();
        assertThat(blocking.header("anthropic-beta")).as("Bedrock takes the flags in the body").isNull();
        JsonNode body = json(new String(blocking.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(body.has("model")).isFalse();
        assertThat(body.has("stream")).isFalse();
        assertThat(body.has("metadata")).isFalse();
        assertThat(body.get("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
        assertThat(body.get("anthropic_beta").toString()).isEqualTo("[\"interleaved-thinking-2025-05-14\"]");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(1024);

        List<InterceptionEvent> blockingEvents = events(UUID.fromString(raw.headers().values("X-AIBridge-Interception-Id").get(0)));
        InterceptionStarted started = (InterceptionStarted) blockingEvents.get(0);
        assertThat(started.provider()).isEqualTo("anthropic");
        assertThat(started.providerName()).isEqualTo("claude-aws");
        assertThat(started.model()).as("the Bedrock model id is what was called").isEqualTo(MODEL);
        assertThat(started.credentialHint()).as("the hint of AI Bridge's AWS access key").isNotEmpty()
                .isNotEqualTo(FakeProvider.BEDROCK_ACCESS_KEY);
        assertThat(started.client()).isEqualTo("Claude Code");
        assertThat(started.clientSessionId()).as("read from the metadata before Bedrock's body dropped it").isEqualTo("5f1e");
        TokenUsageRecorded usage = blockingEvents.stream().filter(TokenUsageRecorded.class::isInstance)
                .map(TokenUsageRecorded.class::cast).findFirst().orElseThrow();
        assertThat(usage.inputTokens()).isEqualTo(4);
        assertThat(usage.cacheReadInputTokens()).isEqualTo(30000);
        assertThat(((InterceptionEnded) blockingEvents.get(blockingEvents.size() - 1)).httpStatus()).isEqualTo(200);

        FakeProviderTestResource.fake().clear();
        MessageAccumulator accumulator = MessageAccumulator.create();
        UUID streamedId;
        try (HttpResponseFor<StreamResponse<RawMessageStreamEvent>> stream = claudeCode.messages().withRawResponse()
                .createStreaming(params.toBuilder().model("claude-3-5-haiku-20241022")
                        .addUserMessage("And the notice period? [scenario:tool-calls]").build())) {
            streamedId = UUID.fromString(stream.headers().values("X-AIBridge-Interception-Id").get(0));
            stream.parse().stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        assertThat(streamed.content().stream().filter(b -> b.isToolUse()).map(b -> b.asToolUse()).map(ToolUseBlock::name))
                .containsExactly("get_weather", "get_time");
        assertThat(onlyUpstreamRequest().path())
                .as("a Haiku model goes to the small/fast model, streamed")
                .isEqualTo("/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream");
        List<String> summary = summary(events(streamedId));
        assertThat(summary).filteredOn(s -> s.startsWith("tool ")).hasSize(2);
        assertThat(summary.get(summary.size() - 1)).isEqualTo("ended completed 200");
    }

    static Stream<Arguments> scenarios() {
        List<Arguments> out = new ArrayList<>();
        for (String name : List.of("text", "tool-call", "tool-calls", "cache-tokens", "tool-result", "thinking", "stream-error",
                "stream-break", "error-400", "error-429", "error-500")) {
            out.add(Arguments.of(name, true));
            out.add(Arguments.of(name, false));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} stream={1}")
    @MethodSource("scenarios")
    void everyAnthropicFixtureThroughBedrockIsRecordedAsOnAnthropicsOwnApi(String scenario, boolean stream) {
        Fixture fixture = Fixture.load(Api.ANTHROPIC_MESSAGES, scenario);
        ObjectNode request = fixture.request(stream);
        HttpResponse<String> response = proxy.post(PREFIX + "/v1/messages", request.toString(), "x-api-key", TOKEN,
                "anthropic-version", "2023-06-01", "User-Agent", "claude-cli/2.0.1 (external, cli)");

        // Bedrock has no 529: it is overloaded with 503
        int status = fixture.status(stream) == 529 ? 503 : fixture.status(stream);
        List<InterceptionEvent> events = events(interceptionId(response));
        assertThat(((InterceptionStarted) events.get(0)).model()).isEqualTo(MODEL);
        assertThat(summary(events)).as("events of %s stream=%s", scenario, stream)
                .containsExactlyElementsOf(Expected.events(Api.ANTHROPIC_MESSAGES, scenario, stream).stream()
                        .map(e -> e.replace("failed 529 ", "failed 503 ")).toList());

        if (status >= 400) {
            assertThat(response.statusCode()).isEqualTo(status);
            JsonNode error = json(response.body());
            JsonNode expected = fixture.responseJson();
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("error").path("type").asText()).isEqualTo(expected.path("error").path("type").asText());
            assertThat(error.path("error").path("message").asText()).isEqualTo(expected.path("error").path("message").asText());
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        } else if (stream) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            List<JsonNode> got = SseFrames.data(response.body()).stream().map(ProxyClient::json).toList();
            List<JsonNode> sent = SseFrames.data(fixture.stream()).stream().map(ProxyClient::json)
                    .filter(e -> !"ping".equals(e.path("type").asText())).toList();
            if (fixture.breaks()) {
                assertThat(got.get(got.size() - 1).path("type").asText()).as("the cut stream ends in an error event").isEqualTo("error");
                got = got.subList(0, got.size() - 1);
            }
            assertThat(got).hasSize(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                JsonNode event = got.get(i).deepCopy();
                ((ObjectNode) event).remove("amazon-bedrock-invocationMetrics");
                assertThat(event).as("event %d", i).isEqualTo(sent.get(i));
            }
        } else if (!fixture.breaks()) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response.body())).isEqualTo(fixture.responseJson());
        }
    }

    @Test
    void aCorruptedEventStreamFrameEndsTheStreamWithAnErrorEventAndIsRecordedBroken() {
        HttpResponse<String> response = proxy.post(PREFIX + "/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true)
                .toString(), "x-api-key", TOKEN, "anthropic-version", "2023-06-01", FakeProvider.CORRUPT_MESSAGE_HEADER, "2");
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> got = SseFrames.data(response.body()).stream().map(ProxyClient::json).toList();
        assertThat(got).extracting(e -> e.path("type").asText())
                .as("the two good frames, then the end the relay writes").containsExactly("message_start", "content_block_start", "error");
        assertThat(got.get(2).path("error").path("message").asText()).contains("AWS Bedrock's event stream could not be read");
        List<String> summary = summary(events(interceptionId(response)));
        assertThat(summary.get(summary.size() - 1)).isEqualTo("ended failed 200 stream_broken");
    }

    @Test
    void aLargeContextIsMadeIntoBedrocksBodyAndSignedCompletely() {
        String context = "x".repeat(600 * 1024);
        ObjectNode request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false);
        request.withArray("messages").insertObject(0).put("role", "user").put("content", context);
        HttpResponse<String> response = proxy.post(PREFIX + "/v1/messages", request.toString(), "x-api-key", TOKEN,
                "anthropic-version", "2023-06-01");
        assertThat(response.statusCode()).as("the fake checked the signature over the whole body").isEqualTo(200);
        JsonNode sent = json(new String(onlyUpstreamRequest().body(), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo(context);
        assertThat(sent.has("model")).isFalse();
    }

    @Test
    void eachBedrockInstancesCredentialsAreGauged() {
        io.aibridge.testing.PrometheusScrape metrics = scrape();
        assertThat(metrics.value("aibridge_bedrock_credentials_valid", java.util.Map.of("provider", "claude-aws"))).isEqualTo(1.0);
        assertThat(metrics.value("aibridge_bedrock_credentials_expiry_seconds", java.util.Map.of("provider", "claude-aws")))
                .as("configured keys do not expire").isNaN();
        assertThat(metrics.series("aibridge_bedrock_credentials_valid")).extracting(s -> s.labels().get("provider"))
                .containsExactlyInAnyOrder("claude-aws", "claude-aws-stale");
    }

    @Test
    void credentialsBedrockRefusesAreAnsweredAsAnthropicsPermissionErrorAndRecordedFailed() {
        assertThatThrownBy(() -> client("claude-aws-stale").messages().create(MessageCreateParams.builder().model("claude-sonnet-4-5")
                .maxTokens(64).addUserMessage("Hello").build()))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("AWS Bedrock refused AI Bridge's AWS credentials");
        List<String> summary = summary(eventsOfModel(STALE_MODEL));
        assertThat(summary.get(summary.size() - 1)).isEqualTo("ended failed 403 upstream_error");
    }

    @Test
    void theAnthropicSdkCountsTokensThroughBedrocksCountTokensForTheFoundationModel() {
        io.aibridge.testing.PrometheusScrape before = scrape();
        MessageCountTokensParams params = MessageCountTokensParams.builder().model("claude-sonnet-4-5")
                .putAdditionalHeader("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14")
                .system("You are terse.").addUserMessage("How many tokens is this?").build();
        MessageTokensCount count = client("claude-aws").messages().countTokens(params);

        RecordedRequest sent = onlyUpstreamRequest();
        assertThat(sent.path()).as("an inference profile is counted by the foundation model it names")
                .isEqualTo("/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens");
        assertThat(sent.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + FakeProvider.BEDROCK_ACCESS_KEY + "/");
        assertThat(sent.header("x-api-key")).isNull();
        byte[] invokeBody = java.util.Base64.getDecoder().decode(sent.json().path("input").path("invokeModel").path("body").asText());
        assertThat(count.inputTokens()).as("the fake's count of the body Bedrock was given").isEqualTo(Math.max(1, invokeBody.length / 4));
        JsonNode counted = json(new String(invokeBody, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(counted.has("model")).isFalse();
        assertThat(counted.get("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
        assertThat(counted.get("anthropic_beta").toString()).isEqualTo("[\"interleaved-thinking-2025-05-14\"]");
        assertThat(counted.get("max_tokens").asInt()).as("Bedrock's schema wants one; it counts no input token").isEqualTo(1);
        assertThat(counted.get("system").asText()).isEqualTo("You are terse.");
        assertThat(scrape().delta(before, "aibridge_passthrough_total",
                java.util.Map.of("provider", "claude-aws", "route", "/v1/messages/count_tokens", "method", "POST"))).isEqualTo(1.0);

        FakeProviderTestResource.fake().clear();
        client("claude-aws").messages().countTokens(MessageCountTokensParams.builder().model("claude-haiku-4-5")
                .addUserMessage("Hi").build());
        assertThat(onlyUpstreamRequest().path()).as("Claude Code's background model goes to the small, fast one")
                .isEqualTo("/model/anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens");
    }

    @Test
    void aTokenCountBedrockRefusesOrTheCallerGotWrongIsAnsweredInAnthropicsShape() {
        assertThatThrownBy(() -> client("claude-aws-stale").messages().countTokens(MessageCountTokensParams.builder()
                .model("claude-sonnet-4-5").addUserMessage("Hello").build()))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("AWS Bedrock refused AI Bridge's AWS credentials");

        HttpResponse<String> notJson = proxy.post(PREFIX + "/v1/messages/count_tokens", "{\"model\": ", "x-api-key", TOKEN,
                "anthropic-version", "2023-06-01");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(notJson.body()).path("error").path("message").asText()).startsWith("the request body is not valid JSON");
        HttpResponse<String> noModel = proxy.post(PREFIX + "/v1/messages/count_tokens", "{\"messages\":[]}", "x-api-key", TOKEN,
                "anthropic-version", "2023-06-01");
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(json(noModel.body()).path("error").path("message").asText()).contains("\"model\" is required");
        HttpResponse<String> noKey = proxy.post(PREFIX + "/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[]}",
                "anthropic-version", "2023-06-01");
        assertThat(noKey.statusCode()).isEqualTo(401);
        HttpResponse<String> byok = proxy.post(PREFIX + "/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[]}",
                "X-Coder-AI-Governance-Token", TOKEN, "x-api-key", "sk-ant-my-own-key", "anthropic-version", "2023-06-01");
        assertThat(byok.statusCode()).isEqualTo(403);
        assertThat(FakeProviderTestResource.fake().requests()).as("none of these went to Bedrock").hasSize(1);

        FakeProviderTestResource.fake().clear();
        HttpResponse<String> noMessages = proxy.post(PREFIX + "/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\"}",
                "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
        assertThat(noMessages.statusCode()).as("Bedrock's validation, relayed").isEqualTo(400);
        assertThat(json(noMessages.body()).path("error").path("message").asText()).contains("required key [messages] not found");
    }

    @Test
    void anthropicsOtherEndpointsAndBringYourOwnKeyAreRefusedClearly() {
        HttpResponse<String> models = proxy.get(PREFIX + "/v1/models", "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
        assertThat(models.statusCode()).isEqualTo(404);
        assertThat(json(models.body()).path("error").path("message").asText()).contains("AWS Bedrock");

        HttpResponse<String> byok = proxy.post(PREFIX + "/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false)
                .toString(), "X-Coder-AI-Governance-Token", TOKEN, "x-api-key", "sk-ant-my-own-key", "anthropic-version", "2023-06-01");
        assertThat(byok.statusCode()).isEqualTo(403);
        assertThat(json(byok.body()).path("error").path("message").asText()).contains("AWS Bedrock");
        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
    }
}
