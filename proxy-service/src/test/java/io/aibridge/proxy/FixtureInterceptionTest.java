package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.CredentialKind;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.identity.BootstrapAdmin;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static io.aibridge.proxy.ProxyClient.interceptionId;
import static io.aibridge.proxy.ProxyClient.json;
import static io.aibridge.proxy.ProxyClient.summary;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every fixture scenario of every API, streaming and blocking, through the proxy to the fake
 * provider: what the client gets, what the provider got, and the exact events in Kafka.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class FixtureInterceptionTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL proxyUrl;

    @BeforeEach
    void setUp() {
        FakeProviderTestResource.fake().clear();
    }

    @org.junit.jupiter.api.AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    static Stream<Arguments> scenarios() {
        List<Arguments> out = new ArrayList<>();
        for (Api api : Api.values()) {
            List<String> names = new ArrayList<>(List.of("text", "tool-call", "tool-calls", "cache-tokens", "tool-result",
                    "stream-break", "error-400", "error-401", "error-429", "error-500", "hang"));
            names.add(api == Api.ANTHROPIC_MESSAGES ? "thinking" : "reasoning");
            if (api == Api.OPENAI_CHAT) {
                names.add("continuous-usage");
            }
            if (api == Api.OPENAI_RESPONSES) {
                names.add("bare-usage");
            }
            if (api == Api.ANTHROPIC_MESSAGES) {
                names.add("error-529");
            }
            names.add("malformed");
            names.add("stream-error");
            if (api == Api.OPENAI_RESPONSES) {
                names.add("failed");
                names.add("incomplete");
            }
            for (String name : names) {
                out.add(Arguments.of(api, name, true));
                out.add(Arguments.of(api, name, false));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} stream={2}")
    @MethodSource("scenarios")
    void relaysTheAnswerAndRecordsExactlyWhatTheProviderSaid(Api api, String scenario, boolean stream) {
        Fixture fixture = Fixture.load(api, scenario);
        ObjectNode request = fixture.request(stream);
        HttpResponse<String> response = new ProxyClient(proxyUrl.toString()).post(ProxyClient.path(api), request.toString(),
                clientHeaders(api));

        UUID id = interceptionId(response);
        List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(id, java.time.Duration.ofSeconds(20));

        assertClientGotTheAnswer(fixture, stream, response);
        assertProviderGotTheRequest(fixture, stream, request);
        assertStarted(api, fixture, stream, (InterceptionStarted) events.get(0));
        assertThat(summary(events)).as("events of %s %s stream=%s", api, scenario, stream)
                .containsExactlyElementsOf(Expected.events(api, scenario, stream));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Api.class)
    void aLargeBlockingAnswerIsReadOffTheEventLoopAndRecordedAsASmallOne(Api api) {
        // the same answer followed by 1.2 MB of spaces: read on a worker thread, its records still before the end
        int pad = 1_200_000;
        Fixture fixture = Fixture.load(api, "tool-call");
        ObjectNode request = fixture.request(false);
        String[] headers = java.util.Arrays.copyOf(clientHeaders(api), clientHeaders(api).length + 2);
        headers[headers.length - 2] = FakeProvider.PAD_BYTES_HEADER;
        headers[headers.length - 1] = String.valueOf(pad);

        HttpResponse<String> response;
        List<Boolean> reads;
        try (LargeJsonWatch watch = LargeJsonWatch.of(io.aibridge.proxy.interception.Json.MAPPER, 1024 * 1024)) {
            response = new ProxyClient(proxyUrl.toString()).post(ProxyClient.path(api), request.toString(), headers);
            List<InterceptionEvent> events = EventTail.of(bootstrapServers).awaitEnded(interceptionId(response),
                    java.time.Duration.ofSeconds(20));
            assertThat(summary(events)).as("events of %s", api).containsExactlyElementsOf(Expected.events(api, "tool-call", false));
            reads = watch.reads();
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).as("the body reaches the client byte for byte").isEqualTo(fixture.response() + " ".repeat(pad));
        assertThat(reads).as("the answer was read, off the event loop").isNotEmpty().containsOnly(false);
    }

    private static String[] clientHeaders(Api api) {
        String token = FakeProviderTestResource.BOOTSTRAP_TOKEN;
        return switch (api) {
            case ANTHROPIC_MESSAGES -> new String[]{"x-api-key", token, "anthropic-version", "2023-06-01",
                    "anthropic-beta", "interleaved-thinking-2025-05-14",
                    "User-Agent", "claude-cli/2.0.1 (external, cli)", "X-Claude-Code-Session-Id", "  claude-session-1  "};
            case OPENAI_CHAT -> new String[]{"Authorization", "Bearer " + token, "User-Agent", "Kilo-Code/4.1.0",
                    "X-KILOCODE-TASKID", "kilo-task-7", "X-AI-Bridge-Actor-ID", "spoofed-actor", "X-Request-Trace", "kept"};
            case OPENAI_RESPONSES -> new String[]{"Authorization", "Bearer " + token, "User-Agent", "codex_cli_rs/0.50.0",
                    "session_id", "codex-session-9", "Coder-Session-Token", token};
        };
    }

    private static void assertClientGotTheAnswer(Fixture fixture, boolean stream, HttpResponse<String> response) {
        if (fixture.hangs()) {
            assertThat(response.statusCode()).isEqualTo(504);
            assertProviderShapedError(fixture.api(), response.body());
            return;
        }
        if (fixture.status(stream) >= 400) {
            assertThat(response.statusCode()).isEqualTo(fixture.status(stream));
            assertThat(json(response.body())).isEqualTo(fixture.responseJson());
            fixture.headers().forEach((k, v) -> assertThat(response.headers().firstValue(k)).hasValue(v));
            return;
        }
        if (fixture.breaks()) {
            if (stream) {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).startsWith(expectedStream(fixture));
                String tail = response.body().substring(expectedStream(fixture).length());
                switch (fixture.api()) {
                    case ANTHROPIC_MESSAGES -> assertThat(tail).startsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"");
                    case OPENAI_CHAT -> assertThat(tail).startsWith("data: {\"error\":{").endsWith("data: [DONE]\n\n");
                    case OPENAI_RESPONSES -> assertThat(tail).startsWith("event: error\ndata: {\"type\":\"error\"");
                }
            } else {
                assertThat(response.statusCode()).isEqualTo(502);
                assertProviderShapedError(fixture.api(), response.body());
            }
            return;
        }
        assertThat(response.statusCode()).isEqualTo(200);
        if (stream) {
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            assertThat(response.body()).as("the stream reaches the client byte for byte").isEqualTo(expectedStream(fixture));
        } else {
            assertThat(response.body()).as("the body reaches the client byte for byte").isEqualTo(fixture.response());
        }
    }

    /** What the provider sends a client that made the request directly (Chat: without the usage it did not ask for). */
    private static String expectedStream(Fixture fixture) {
        if (fixture.api() != Api.OPENAI_CHAT) {
            return fixture.stream();
        }
        StringBuilder b = new StringBuilder();
        for (String frame : SseFrames.split(fixture.stream())) {
            String kept = SseFrames.withoutUsage(frame);
            if (kept != null) {
                b.append(kept);
            }
        }
        return b.toString();
    }

    private static void assertProviderShapedError(Api api, String body) {
        JsonNode error = json(body);
        if (api == Api.ANTHROPIC_MESSAGES) {
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("error").path("message").asText()).isNotBlank();
        } else {
            assertThat(error.path("error").path("message").asText()).isNotBlank();
            assertThat(error.path("error").has("code")).isTrue();
        }
    }

    private static void assertProviderGotTheRequest(Fixture fixture, boolean stream, ObjectNode sent) {
        FakeProvider fake = FakeProviderTestResource.fake();
        List<RecordedRequest> received = fake.requests();
        assertThat(received).hasSize(1);
        RecordedRequest upstream = received.get(0);
        String token = FakeProviderTestResource.BOOTSTRAP_TOKEN;
        upstream.headers().forEach((name, values) -> assertThat(values).as("header " + name).noneMatch(v -> v.contains(token)));
        assertThat(upstream.hasHeader("coder-session-token")).isFalse();
        assertThat(upstream.headers().get("x-ai-bridge-actor-id")).as("client-sent actor headers are replaced, never forwarded")
                .containsExactly(BootstrapAdmin.USER_ID.toString());
        assertThat(upstream.header("x-ai-bridge-actor-metadata-username")).isEqualTo("admin");
        if (fixture.api() == Api.OPENAI_CHAT) {
            assertThat(upstream.header("x-request-trace")).as("other client headers are forwarded").isEqualTo("kept");
        }
        assertThat(upstream.header("accept-encoding")).isEqualTo("identity");
        if (fixture.api() == Api.ANTHROPIC_MESSAGES) {
            assertThat(upstream.path()).isEqualTo("/v1/messages");
            assertThat(upstream.header("x-api-key")).isEqualTo(FakeProviderTestResource.ANTHROPIC_KEY);
            assertThat(upstream.hasHeader("authorization")).isFalse();
            assertThat(upstream.header("anthropic-version")).isEqualTo("2023-06-01");
            assertThat(upstream.header("anthropic-beta")).isEqualTo("interleaved-thinking-2025-05-14");
        } else {
            assertThat(upstream.path()).isEqualTo(fixture.api() == Api.OPENAI_CHAT ? "/v1/chat/completions" : "/v1/responses");
            assertThat(upstream.header("authorization")).isEqualTo("Bearer " + FakeProviderTestResource.OPENAI_KEY);
            assertThat(upstream.hasHeader("x-api-key")).isFalse();
        }
        if (fixture.api() == Api.OPENAI_CHAT && stream) {
            JsonNode body = upstream.json();
            assertThat(body.path("stream_options").path("include_usage").asBoolean()).as("usage is asked for upstream").isTrue();
            ((ObjectNode) body).remove("stream_options");
            assertThat(body).isEqualTo(sent);
        } else {
            assertThat(upstream.bodyAsString()).as("the request body is forwarded unchanged").isEqualTo(sent.toString());
        }
    }

    private static void assertStarted(Api api, Fixture fixture, boolean stream, InterceptionStarted started) {
        assertThat(started.initiatorId()).isEqualTo(BootstrapAdmin.USER_ID);
        assertThat(started.initiatorUsername()).isEqualTo("admin");
        assertThat(started.apiKeyId()).isEqualTo(BootstrapAdmin.KEY_ID);
        assertThat(started.model()).isEqualTo(fixture.model());
        assertThat(started.streaming()).isEqualTo(stream);
        assertThat(started.credentialKind()).isEqualTo(CredentialKind.CENTRALIZED);
        boolean toolResult = fixture.scenario().equals("tool-result");
        switch (api) {
            case ANTHROPIC_MESSAGES -> {
                assertThat(started.provider()).isEqualTo("anthropic");
                assertThat(started.requestPath()).isEqualTo("/v1/messages");
                assertThat(started.client()).isEqualTo("Claude Code");
                assertThat(started.clientSessionId()).isEqualTo("claude-session-1");
                assertThat(started.credentialHint()).isEqualTo("sk-a...abcd");
                assertThat(started.correlatingToolCallId()).isEqualTo(toolResult ? "toolu_01A09q90qw90lq917835lq9" : null);
                assertThat(started.userAgent()).isEqualTo("claude-cli/2.0.1 (external, cli)");
                assertThat(started.metadata()).containsEntry("request_user_agent", "claude-cli/2.0.1 (external, cli)")
                        .containsEntry("Username", "admin");
            }
            case OPENAI_CHAT -> {
                assertThat(started.provider()).isEqualTo("openai");
                assertThat(started.requestPath()).isEqualTo("/v1/chat/completions");
                assertThat(started.client()).isEqualTo("Kilo Code");
                assertThat(started.clientSessionId()).isEqualTo("kilo-task-7");
                assertThat(started.credentialHint()).isEqualTo("sk-p...wxyz");
                assertThat(started.correlatingToolCallId()).isEqualTo(toolResult ? "call_DdmO9pD3xa9XTPNJ32zg2hcA" : null);
            }
            case OPENAI_RESPONSES -> {
                assertThat(started.requestPath()).isEqualTo("/v1/responses");
                assertThat(started.client()).isEqualTo("Codex");
                assertThat(started.clientSessionId()).isEqualTo("codex-session-9");
                assertThat(started.correlatingToolCallId()).isEqualTo(toolResult ? "call_Kx7Yp2Qw9Er4Ty6Ui8Op0As2" : null);
            }
        }
    }
}
