package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fake provider over real HTTP: blocking, streaming, errors, broken streams, hangs, recording. */
class FakeProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static FakeProvider fake;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        fake = FakeProvider.start();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void clear() {
        fake.clear();
    }

    @Test
    void answersABlockingMessageFromTheFixtureWithTheRequestedModel() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "text");
        ObjectNode body = f.request(false).put("model", "claude-opus-4-1-20250805");
        HttpResponse<String> r = post("/v1/messages", body, "anthropic-version", "2023-06-01");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.path("model").asText()).isEqualTo("claude-opus-4-1-20250805");
        assertThat(json.path("content")).isEqualTo(f.responseJson().path("content"));
    }

    @Test
    void streamsTheFixtureBytesExactly() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "thinking");
        HttpResponse<String> r = post("/v1/messages", f.request(true));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(r.body()).isEqualTo(f.stream());
    }

    @Test
    void streamsInSlicesThatSplitFramesAndCharactersWhenAsked() throws Exception {
        Fixture f = Fixture.load(Api.OPENAI_RESPONSES, "text");
        HttpResponse<String> r = post("/v1/responses", f.request(true), FakeProvider.SPLIT_BYTES_HEADER, "7");
        assertThat(r.body()).isEqualTo(f.stream());
    }

    @Test
    void stretchesTheFirstOccurrenceOfATextInAStreamWhenAsked() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo");
        HttpResponse<String> r = post("/v1/messages", f.request(true), FakeProvider.STRETCH_HEADER, "3:hello");
        assertThat(r.body()).isEqualTo(f.stream().replaceFirst("hello", "hellohellohello"));
    }

    @Test
    void repeatsAnAnthropicContentBlockWithFreshIndexesWhenAsked() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "mcp-echo");
        HttpResponse<String> r = post("/v1/messages", f.request(true), FakeProvider.REPEAT_BLOCK_HEADER, "3:0");

        List<String> frames = SseFrames.split(r.body());
        List<String> blocks = new java.util.ArrayList<>();
        for (String frame : frames) {
            JsonNode data = JSON.readTree(SseFrames.data(frame).get(0));
            if (data.path("type").asText().startsWith("content_block_")) {
                blocks.add(data.path("type").asText() + " " + data.path("index").asInt());
            }
        }
        assertThat(blocks).containsExactly(
                "content_block_start 0", "content_block_delta 0", "content_block_delta 0", "content_block_stop 0",
                "content_block_start 1", "content_block_delta 1", "content_block_delta 1", "content_block_stop 1",
                "content_block_start 2", "content_block_delta 2", "content_block_delta 2", "content_block_stop 2",
                "content_block_start 3", "content_block_delta 3", "content_block_delta 3", "content_block_delta 3", "content_block_stop 3");
        assertThat(r.body().split("Let me ask t", -1)).as("the text block's copies keep its text").hasSize(4);
        assertThat(frames.get(frames.size() - 1)).startsWith("event: message_stop\n");
    }

    @Test
    void chatStreamsCarryUsageOnlyWhenTheClientAskedForIt() throws Exception {
        Fixture f = Fixture.load(Api.OPENAI_CHAT, "tool-calls");
        String without = post("/v1/chat/completions", f.request(true)).body();
        assertThat(without).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
        ObjectNode asking = f.request(true);
        asking.putObject("stream_options").put("include_usage", true);
        assertThat(post("/v1/chat/completions", asking).body()).isEqualTo(f.stream());
    }

    @Test
    void picksTheScenarioFromTheHeaderThenTheMarkerThenText() throws Exception {
        ObjectNode toolCall = Fixture.load(Api.OPENAI_CHAT, "tool-call").request(false);
        assertThat(JSON.readTree(post("/v1/chat/completions", toolCall).body()).path("choices").get(0)
                .path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(post("/v1/chat/completions", toolCall, FakeProvider.SCENARIO_HEADER, "error-429").statusCode()).isEqualTo(429);
        ObjectNode plain = JSON.createObjectNode().put("model", "gpt-4o-mini");
        plain.putArray("messages").addObject().put("role", "user").put("content", "hi");
        assertThat(JSON.readTree(post("/v1/chat/completions", plain).body()).path("id").asText())
                .isEqualTo(Fixture.load(Api.OPENAI_CHAT, "text").responseJson().path("id").asText());
    }

    @Test
    void refusesTheListedKeysAsTheProviderWouldAndAnswersTheOthers() throws Exception {
        String refused = "sk-limited-0001=429:30;sk-revoked-0002=401;sk-ant-forbidden-03=403";
        ObjectNode chat = Fixture.load(Api.OPENAI_CHAT, "text").request(false);
        HttpResponse<String> limited = post("/v1/chat/completions", chat, FakeProvider.REFUSED_KEYS_HEADER, refused,
                "Authorization", "Bearer sk-limited-0001");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(JSON.readTree(limited.body()).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(post("/v1/chat/completions", chat, FakeProvider.REFUSED_KEYS_HEADER, refused,
                "Authorization", "Bearer sk-revoked-0002").statusCode()).isEqualTo(401);
        assertThat(post("/v1/chat/completions", chat, FakeProvider.REFUSED_KEYS_HEADER, refused,
                "Authorization", "Bearer sk-fine-0004").statusCode()).isEqualTo(200);
        HttpResponse<String> forbidden = post("/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false),
                FakeProvider.REFUSED_KEYS_HEADER, refused, "x-api-key", "sk-ant-forbidden-03", "anthropic-version", "2023-06-01");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(forbidden.body()).path("error").path("type").asText()).isEqualTo("permission_error");
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/models"))
                .header(FakeProvider.REFUSED_KEYS_HEADER, refused).header("Authorization", "Bearer sk-revoked-0002").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).as("every route but Bedrock's").isEqualTo(401);
    }

    @Test
    void answersProviderShapedErrorsWithTheirStatusAndHeaders() throws Exception {
        for (Api api : Api.values()) {
            for (String scenario : List.of("error-400", "error-401", "error-429", "error-500")) {
                Fixture f = Fixture.load(api, scenario);
                HttpResponse<String> r = post(path(api), f.request(true));
                assertThat(r.statusCode()).isEqualTo(f.status());
                assertThat(JSON.readTree(r.body())).isEqualTo(f.responseJson());
            }
        }
        HttpResponse<String> overloaded = post("/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "error-529").request(false));
        assertThat(overloaded.statusCode()).isEqualTo(529);
        assertThat(JSON.readTree(overloaded.body()).path("error").path("type").asText()).isEqualTo("overloaded_error");
        HttpResponse<String> limited = post("/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "error-429").request(false));
        assertThat(limited.headers().firstValue("retry-after")).hasValue("7");
    }

    @Test
    void breaksTheStreamInTheMiddle() throws Exception {
        // a raw socket: HTTP clients may drop the bytes they buffered when the connection is cut
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "stream-break");
        byte[] body = f.request(true).toString().getBytes(StandardCharsets.UTF_8);
        String raw;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fake.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(body);
            raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(raw).startsWith("HTTP/1.1 200").contains("transfer-encoding: chunked");
        for (String frame : SseFrames.split(f.stream())) {
            assertThat(raw).contains(frame);
        }
        assertThat(raw).doesNotContain("message_stop").as("no terminating chunk").doesNotEndWith("0\r\n\r\n");
    }

    @Test
    void breaksABlockingBodyHalfWay() {
        Fixture f = Fixture.load(Api.OPENAI_CHAT, "stream-break");
        assertThatThrownBy(() -> post("/v1/chat/completions", f.request(false))).isInstanceOf(IOException.class);
    }

    @Test
    void hangsWithoutAnswering() {
        HttpRequest hang = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/responses"))
                .timeout(Duration.ofMillis(300))
                .POST(HttpRequest.BodyPublishers.ofString(Fixture.load(Api.OPENAI_RESPONSES, "hang").request(false).toString()))
                .build();
        assertThatThrownBy(() -> http.send(hang, HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void notesAStreamWhoseReaderHangsUpBeforeItsEnd() throws Exception {
        Fixture f = Fixture.load(Api.OPENAI_RESPONSES, "text");
        try (java.net.Socket socket = rawPost("/v1/responses", f.request(true), FakeProvider.CHUNK_DELAY_HEADER, "300", "X-Tag", "hang-up-1")) {
            readUntil(socket.getInputStream(), "response.output_text.delta");
        }
        FakeProvider.ClosedEarly closed = awaitOneClosedEarly();
        assertThat(closed.request().header("x-tag")).isEqualTo("hang-up-1");
        assertThat(closed.scenario()).isEqualTo("text");
        assertThat(closed.headWritten()).isTrue();
        assertThat(closed.piecesTotal()).isEqualTo(SseFrames.split(f.stream()).size());
        assertThat(closed.piecesWritten()).isBetween(5, closed.piecesTotal() - 1);
    }

    @Test
    void notesABlockingAnswerWhoseReaderHangsUpBeforeItsHead() throws Exception {
        try (java.net.Socket ignored = rawPost("/v1/chat/completions", Fixture.load(Api.OPENAI_CHAT, "text").request(false),
                FakeProvider.TTFB_HEADER, "3000")) {
            Thread.sleep(200);
        }
        FakeProvider.ClosedEarly closed = awaitOneClosedEarly();
        assertThat(closed.request().path()).isEqualTo("/v1/chat/completions");
        assertThat(closed.scenario()).isEqualTo("text");
        assertThat(closed.headWritten()).isFalse();
        assertThat(closed.piecesWritten()).isZero();
    }

    @Test
    void doesNotNoteAnswersThatEndedOrThatTheFakeBrokeOffItself() throws Exception {
        post("/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true));
        post("/v1/chat/completions", Fixture.load(Api.OPENAI_CHAT, "text").request(false));
        try (java.net.Socket socket = rawPost("/v1/responses", Fixture.load(Api.OPENAI_RESPONSES, "stream-break").request(true))) {
            readUntil(socket.getInputStream(), "a marker the fake never sends");
        }
        try (java.net.Socket socket = rawPost("/v1/chat/completions", Fixture.load(Api.OPENAI_CHAT, "text").request(false),
                FakeProvider.FLAKY_HEADER, "closes,1,close")) {
            readUntil(socket.getInputStream(), "a marker the fake never sends");
        }
        assertThat(fake.requests()).hasSize(4);
        Thread.sleep(300);
        assertThat(fake.closedEarly()).isEmpty();
    }

    /** Polls for {@link FakeProvider#closedEarly()} to hold one answer (at most 10 s), and returns it. */
    private static FakeProvider.ClosedEarly awaitOneClosedEarly() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fake.closedEarly().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(fake.closedEarly()).hasSize(1);
        return fake.closedEarly().get(0);
    }

    /** A raw HTTP/1.1 POST whose answer the test reads (or not) itself. */
    private java.net.Socket rawPost(String path, JsonNode body, String... headers) throws IOException {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", fake.port());
        socket.setSoTimeout(10_000);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        socket.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return socket;
    }

    /** Reads until {@code marker} appears or the answer's connection closes. */
    private static void readUntil(InputStream in, String marker) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        while (!got.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buffer);
            if (n < 0) {
                return;
            }
            got.write(buffer, 0, n);
        }
    }

    @Test
    void delaysTheFirstByteWhenAsked() throws Exception {
        long start = System.nanoTime();
        post("/v1/messages", Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true), FakeProvider.TTFB_HEADER, "200");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void recordsEveryRequestItReceived() throws Exception {
        post("/v1/chat/completions", Fixture.load(Api.OPENAI_CHAT, "text").request(false), "Authorization", "Bearer sk-test");
        List<RecordedRequest> requests = fake.requests();
        assertThat(requests).hasSize(1);
        RecordedRequest r = requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.header("authorization")).isEqualTo("Bearer sk-test");
        assertThat(r.json().path("model").asText()).isEqualTo("gpt-4o-mini");
        fake.clear();
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void servesModelsInEachProvidersShape() throws Exception {
        HttpResponse<String> openai = http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(openai.body()).path("object").asText()).isEqualTo("list");
        HttpResponse<String> anthropic = http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/models"))
                .header("anthropic-version", "2023-06-01").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(anthropic.body()).path("has_more").asBoolean(true)).isFalse();
    }

    private static String path(Api api) {
        return switch (api) {
            case ANTHROPIC_MESSAGES -> "/v1/messages";
            case OPENAI_CHAT -> "/v1/chat/completions";
            case OPENAI_RESPONSES -> "/v1/responses";
        };
    }

    private HttpResponse<String> post(String path, JsonNode body, String... headers) throws IOException, InterruptedException {
        return http.send(request(path, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String path, JsonNode body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }
}
