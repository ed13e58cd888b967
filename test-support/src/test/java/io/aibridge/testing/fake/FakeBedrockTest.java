package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fake provider as AWS Bedrock Runtime for Anthropic models, over real HTTP: requests signed with
 * AWS's own signer (the test is the client), streams decoded with AWS's own event-stream codec.
 */
class FakeBedrockTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL_PATH = "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0";
    private static final String INVOKE = MODEL_PATH + "/invoke";
    private static final String STREAM = MODEL_PATH + "/invoke-with-response-stream";
    private static final AwsCredentialsIdentity KEY =
            AwsCredentialsIdentity.create(FakeProvider.BEDROCK_ACCESS_KEY, FakeProvider.BEDROCK_SECRET_KEY);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

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

    // ---------------------------------------------------------------------------------- answers

    @Test
    void answersABlockingMessageFromTheFixtureWithBedrocksHeaders() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "text");
        HttpResponse<String> r = send(signed(INVOKE, bedrockBody(f), KEY, Instant.now()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(JSON.readTree(r.body())).isEqualTo(f.responseJson());
        assertThat(r.headers().firstValue("x-amzn-bedrock-input-token-count")).hasValue("25");
        assertThat(r.headers().firstValue("x-amzn-bedrock-output-token-count")).hasValue("14");
        assertThat(r.headers().firstValue("x-amzn-bedrock-invocation-latency")).hasValueSatisfying(v -> assertThat(v).containsOnlyDigits());
        assertThat(UUID.fromString(r.headers().firstValue("x-amzn-requestid").orElseThrow())).isNotNull();
    }

    @Test
    void streamsEachEventAsAnEventStreamChunkWithoutPingsAndWithMetricsOnMessageStop() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "text");
        HttpResponse<byte[]> r = sendBytes(signed(STREAM, bedrockBody(f), KEY, Instant.now()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/vnd.amazon.eventstream");
        List<Message> messages = decode(r.body());
        for (Message m : messages) {
            assertThat(header(m, ":event-type")).isEqualTo("chunk");
            assertThat(header(m, ":content-type")).isEqualTo("application/json");
            assertThat(header(m, ":message-type")).isEqualTo("event");
            assertThat(JSON.readTree(m.getPayload()).path("p").asText()).matches("[A-Za-z0-9]+");
        }
        List<String> expected = SseFrames.data(f.stream()).stream().filter(d -> !d.contains("\"ping\"")).toList();
        List<String> chunks = messages.stream().map(FakeBedrockTest::chunkJson).toList();
        assertThat(chunks).hasSize(expected.size());
        assertThat(chunks.subList(0, chunks.size() - 1)).isEqualTo(expected.subList(0, expected.size() - 1));
        ObjectNode stop = (ObjectNode) JSON.readTree(chunks.get(chunks.size() - 1));
        JsonNode metrics = stop.remove("amazon-bedrock-invocationMetrics");
        assertThat(stop).isEqualTo(JSON.readTree(expected.get(expected.size() - 1)));
        assertThat(metrics.path("inputTokenCount").asInt()).isEqualTo(25);
        assertThat(metrics.path("outputTokenCount").asInt()).isEqualTo(14);
        assertThat(metrics.path("invocationLatency").isIntegralNumber()).isTrue();
        assertThat(metrics.path("firstByteLatency").isIntegralNumber()).isTrue();
    }

    @Test
    void answersTheToolUseScenarioOfTheMarkerBlockingAndStreaming() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "tool-call");
        JsonNode blocking = JSON.readTree(send(signed(INVOKE, bedrockBody(f), KEY, Instant.now())).body());
        assertThat(blocking.path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(blocking.path("content")).isEqualTo(f.responseJson().path("content"));
        List<String> chunks = decode(sendBytes(signed(STREAM, bedrockBody(f), KEY, Instant.now())).body()).stream()
                .map(FakeBedrockTest::chunkJson).toList();
        assertThat(chunks).anySatisfy(c -> assertThat(c).contains("\"input_json_delta\""));
        assertThat(chunks).anySatisfy(c -> assertThat(c).contains("\"stop_reason\":\"tool_use\""));
    }

    @Test
    void followsAScriptedToolLoopToItsNextScenario() throws Exception {
        ObjectNode body = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text"));
        body.putArray("messages").add(JSON.readTree("{\"role\":\"user\",\"content\":\"weather?\"}"))
                .add(JSON.readTree("{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"x\",\"input\":{}}]}"))
                .add(JSON.readTree("{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"ok\"}]}"));
        HttpResponse<String> r = send(signed(INVOKE, body, KEY, Instant.now())
                .header(FakeProvider.SCENARIO_HEADER, "mcp-then-client"));
        assertThat(JSON.readTree(r.body()).path("id").asText())
                .isEqualTo(Fixture.load(Api.ANTHROPIC_MESSAGES, "tool-call").responseJson().path("id").asText());
    }

    @Test
    void decodesThePercentEncodedModelIdAndRecordsTheRawPath() throws Exception {
        String arn = "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
                + "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke";
        HttpResponse<String> r = send(signed(arn, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), KEY, Instant.now()));
        assertThat(r.statusCode()).as("valid only once decoded: %s", r.body()).isEqualTo(200);
        send(signed(INVOKE, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), KEY, Instant.now()));
        assertThat(fake.requests()).extracting(RecordedRequest::path).containsExactly(arn, INVOKE);
        assertThat(fake.requests(INVOKE).get(0).header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDFAKEBEDROCK0001/");
    }

    // ------------------------------------------------------------------------------- signatures

    @Test
    void acceptsASignatureWithoutContentSha256AsBotocoreSignsIt() throws Exception {
        byte[] body = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")).toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("host", "127.0.0.1:" + fake.port());
        headers.put("x-amz-date", AMZ_DATE.format(Instant.now()));
        String authorization = DocumentedSigV4.authorization("POST", INVOKE, headers, body, FakeProvider.BEDROCK_ACCESS_KEY,
                FakeProvider.BEDROCK_SECRET_KEY, "eu-west-3", "bedrock");
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(fake.bedrockBaseUrl() + INVOKE))
                .header("content-type", "application/json")
                .header("x-amz-date", headers.get("x-amz-date"))
                .header("authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(authorization).contains("SignedHeaders=content-type;host;x-amz-date,");
    }

    @Test
    void theDocumentedSignerOfTheseTestsAgreesWithAwsSigner() {
        byte[] body = "{\"anthropic_version\":\"bedrock-2023-05-31\"}".getBytes(StandardCharsets.UTF_8);
        Instant at = Instant.parse("2025-06-01T10:20:30Z");
        SignedRequest aws = awsSign(STREAM, body, KEY, at);
        Map<String, String> headers = new LinkedHashMap<>();
        aws.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("authorization")) {
                headers.put(name, values.get(0));
            }
        });
        assertThat(headers).containsKey("x-amz-content-sha256");
        assertThat(DocumentedSigV4.authorization("POST", STREAM, headers, body, FakeProvider.BEDROCK_ACCESS_KEY,
                FakeProvider.BEDROCK_SECRET_KEY, "us-east-1", "bedrock"))
                .isEqualTo(aws.request().firstMatchingHeader("Authorization").orElseThrow());
    }

    @Test
    void acceptsSessionCredentialsWithTheirSignedToken() throws Exception {
        AwsSessionCredentialsIdentity session = AwsSessionCredentialsIdentity.create(
                FakeProvider.BEDROCK_ACCESS_KEY, FakeProvider.BEDROCK_SECRET_KEY, "IQoJb3JpZ2luX2VjEFAKE//token==");
        HttpResponse<String> r = send(signed(INVOKE, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), session, Instant.now()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        RecordedRequest recorded = fake.requests().get(0);
        assertThat(recorded.header("x-amz-security-token")).isEqualTo("IQoJb3JpZ2luX2VjEFAKE//token==");
        assertThat(recorded.header("authorization")).contains("x-amz-security-token");
    }

    @Test
    void refusesAWrongSecretWithInvalidSignatureException() throws Exception {
        AwsCredentialsIdentity wrong = AwsCredentialsIdentity.create(FakeProvider.BEDROCK_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        HttpResponse<String> r = send(signed(INVOKE, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), wrong, Instant.now()));
        assertAwsError(r, 403, "InvalidSignatureException", "com.amazon.coral.service");
        assertThat(JSON.readTree(r.body()).path("Message").asText())
                .startsWith("The request signature we calculated does not match the signature you provided. "
                        + "Check your AWS Secret Access Key and signing method.")
                .contains("The Canonical String for this request should have been\n'POST\n"
                        + "/model/anthropic.claude-3-5-sonnet-20241022-v2%253A0/invoke\n");
    }

    @Test
    void refusesABodyChangedAfterSigning() throws Exception {
        ObjectNode body = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text"));
        HttpRequest.Builder request = signed(INVOKE, body, KEY, Instant.now());
        HttpResponse<String> r = send(request.POST(HttpRequest.BodyPublishers.ofString(body.put("max_tokens", 7).toString())));
        assertAwsError(r, 403, "InvalidSignatureException", "com.amazon.coral.service");
    }

    @Test
    void refusesAnUnknownAccessKeyWithUnrecognizedClientException() throws Exception {
        AwsCredentialsIdentity unknown = AwsCredentialsIdentity.create("AKIDUNKNOWN000000000", FakeProvider.BEDROCK_SECRET_KEY);
        HttpResponse<String> r = send(signed(INVOKE, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), unknown, Instant.now()));
        assertAwsError(r, 403, "UnrecognizedClientException", "com.amazon.coral.service");
        assertThat(JSON.readTree(r.body()).path("Message").asText()).isEqualTo("The security token included in the request is invalid.");
    }

    @Test
    void refusesARequestWithoutAuthorizationWithMissingAuthenticationToken() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(fake.bedrockBaseUrl() + INVOKE))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")).toString())));
        assertAwsError(r, 403, "MissingAuthenticationTokenException", "com.amazon.coral.service");
        assertThat(JSON.readTree(r.body()).path("message").asText()).isEqualTo("Missing Authentication Token");
    }

    @Test
    void refusesASignatureMadeMoreThanFiveMinutesAgo() throws Exception {
        HttpResponse<String> r = send(signed(INVOKE, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), KEY,
                Instant.now().minus(Duration.ofMinutes(6))));
        assertAwsError(r, 403, "InvalidSignatureException", "com.amazon.coral.service");
        assertThat(JSON.readTree(r.body()).path("Message").asText()).startsWith("Signature expired: ");
    }

    // ------------------------------------------------------------------------------- validation

    @Test
    void refusesAnthropicOnlyMembersInTheBody() throws Exception {
        for (String member : List.of("model", "stream")) {
            ObjectNode body = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text"));
            body.put(member, member.equals("stream") ? "true" : "claude-sonnet-4-5");
            HttpResponse<String> r = send(signed(INVOKE, body, KEY, Instant.now()));
            assertAwsError(r, 400, "ValidationException", "com.amazon.bedrock");
            assertThat(JSON.readTree(r.body()).path("message").asText())
                    .isEqualTo("Malformed input request: #: extraneous key [" + member + "] is not permitted, "
                            + "please reformat your input and try again.");
        }
    }

    @Test
    void refusesABodyWithoutBedrocksAnthropicVersion() throws Exception {
        ObjectNode missing = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text"));
        missing.remove("anthropic_version");
        HttpResponse<String> r = send(signed(INVOKE, missing, KEY, Instant.now()));
        assertAwsError(r, 400, "ValidationException", "com.amazon.bedrock");
        assertThat(JSON.readTree(r.body()).path("message").asText()).contains("required key [anthropic_version] not found");
        ObjectNode anthropics = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")).put("anthropic_version", "2023-06-01");
        HttpResponse<String> wrong = send(signed(INVOKE, anthropics, KEY, Instant.now()));
        assertAwsError(wrong, 400, "ValidationException", "com.amazon.bedrock");
        assertThat(JSON.readTree(wrong.body()).path("message").asText()).isEqualTo("Invalid API version: 2023-06-01");
    }

    @Test
    void refusesAModelIdThatIsNotAnAnthropicModelOnBedrock() throws Exception {
        HttpResponse<String> r = send(signed("/model/claude-sonnet-4-5-20250929/invoke",
                bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text")), KEY, Instant.now()));
        assertAwsError(r, 400, "ValidationException", "com.amazon.bedrock");
        assertThat(JSON.readTree(r.body()).path("message").asText()).isEqualTo("The provided model identifier is invalid.");
    }

    @Test
    void countsTokensOfAnInvokeModelBodyForAFoundationModelOnly() throws Exception {
        ObjectNode invoke = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text"));
        byte[] invokeBytes = invoke.toString().getBytes(StandardCharsets.UTF_8);
        ObjectNode count = JSON.createObjectNode();
        count.putObject("input").putObject("invokeModel").put("body", invokeBytes);
        HttpResponse<String> r = send(signed(MODEL_PATH + "/count-tokens", count, KEY, Instant.now()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("inputTokens").asInt()).isEqualTo(invokeBytes.length / 4);

        HttpResponse<String> profile = send(signed("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens", count, KEY,
                Instant.now()));
        assertAwsError(profile, 400, "ValidationException", "com.amazon.bedrock");
        assertThat(JSON.readTree(profile.body()).path("message").asText()).isEqualTo("The provided model doesn't support counting tokens.");

        invoke.remove("max_tokens");
        count.putObject("input").putObject("invokeModel").put("body", invoke.toString().getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> invalid = send(signed(MODEL_PATH + "/count-tokens", count, KEY, Instant.now()));
        assertAwsError(invalid, 400, "ValidationException", "com.amazon.bedrock");
        assertThat(JSON.readTree(invalid.body()).path("message").asText()).contains("required key [max_tokens] not found");
    }

    // ----------------------------------------------------------------------------------- errors

    @Test
    void answersEveryErrorFixtureInBedrocksShape() throws Exception {
        Map<String, Object[]> bedrock = Map.of(
                "error-400", new Object[] {400, "ValidationException"},
                "error-401", new Object[] {403, "AccessDeniedException"},
                "error-429", new Object[] {429, "ThrottlingException"},
                "error-500", new Object[] {500, "InternalServerException"},
                "error-529", new Object[] {503, "ServiceUnavailableException"});
        List<Fixture> errors = Fixture.all().stream().filter(f -> f.api() == Api.ANTHROPIC_MESSAGES && f.isError()).toList();
        assertThat(errors).extracting(Fixture::scenario).containsExactlyInAnyOrderElementsOf(bedrock.keySet());
        for (Fixture f : errors) {
            for (String path : List.of(INVOKE, STREAM)) {
                HttpResponse<String> r = send(signed(path, bedrockBody(f), KEY, Instant.now()));
                assertAwsError(r, (Integer) bedrock.get(f.scenario())[0], (String) bedrock.get(f.scenario())[1], "com.amazon.bedrock");
                assertThat(JSON.readTree(r.body()).path("message").asText())
                        .isEqualTo(f.responseJson().path("error").path("message").asText());
                assertThat(r.headers().firstValue("retry-after")).as("Bedrock does not relay Anthropic's headers").isEmpty();
            }
        }
    }

    @Test
    void endsTheStreamWithAnExceptionMessageOnAMidStreamError() throws Exception {
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "stream-error");
        List<Message> messages = decode(sendBytes(signed(STREAM, bedrockBody(f), KEY, Instant.now())).body());
        Message last = messages.get(messages.size() - 1);
        assertThat(header(last, ":message-type")).isEqualTo("exception");
        assertThat(header(last, ":exception-type")).isEqualTo("serviceUnavailableException");
        assertThat(header(last, ":content-type")).isEqualTo("application/json");
        assertThat(JSON.readTree(last.getPayload())).isEqualTo(JSON.readTree("{\"message\":\"Overloaded\"}"));
        List<String> before = messages.subList(0, messages.size() - 1).stream().map(FakeBedrockTest::chunkJson).toList();
        assertThat(before).isEqualTo(SseFrames.data(f.stream()).stream()
                .filter(d -> !d.contains("\"ping\"") && !d.contains("\"type\":\"error\"")).toList());
        HttpResponse<String> blocking = send(signed(INVOKE, bedrockBody(f), KEY, Instant.now()));
        assertAwsError(blocking, 503, "ServiceUnavailableException", "com.amazon.bedrock");
    }

    @Test
    void failsTheFirstFlakyRequestsInBedrocksShape() throws Exception {
        ObjectNode body = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "text"));
        String throttled = "bedrock-" + UUID.randomUUID() + ",1,429";
        HttpResponse<String> first = send(signed(INVOKE, body, KEY, Instant.now()).header(FakeProvider.FLAKY_HEADER, throttled));
        assertAwsError(first, 429, "ThrottlingException", "com.amazon.bedrock");
        assertThat(send(signed(INVOKE, body, KEY, Instant.now()).header(FakeProvider.FLAKY_HEADER, throttled)).statusCode()).isEqualTo(200);
        String unavailable = "bedrock-" + UUID.randomUUID() + ",1,503";
        assertAwsError(send(signed(STREAM, body, KEY, Instant.now()).header(FakeProvider.FLAKY_HEADER, unavailable)),
                503, "ServiceUnavailableException", "com.amazon.bedrock");
    }

    // -------------------------------------------------------------------------------- transport

    @Test
    void slicesTheBinaryStreamWhenAsked() throws Exception {
        ObjectNode body = bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "thinking"));
        byte[] whole = sendBytes(signed(STREAM, body, KEY, Instant.now())).body();
        byte[] sliced = sendBytes(signed(STREAM, body, KEY, Instant.now()).header(FakeProvider.SPLIT_BYTES_HEADER, "5")).body();
        assertThat(decode(sliced)).isEqualTo(decode(whole)).isNotEmpty();
    }

    @Test
    void breaksTheEventStreamInTheMiddle() throws Exception {
        // a raw socket: HTTP clients may drop the bytes they buffered when the connection is cut
        Fixture f = Fixture.load(Api.ANTHROPIC_MESSAGES, "stream-break");
        byte[] body = bedrockBody(f).toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("host", "127.0.0.1:" + fake.port());
        headers.put("x-amz-date", AMZ_DATE.format(Instant.now()));
        headers.put("authorization", DocumentedSigV4.authorization("POST", STREAM, headers, body,
                FakeProvider.BEDROCK_ACCESS_KEY, FakeProvider.BEDROCK_SECRET_KEY, "us-east-1", "bedrock"));
        byte[] raw;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fake.port())) {
            socket.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder("POST " + STREAM + " HTTP/1.1\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("content-length: ").append(body.length).append("\r\n\r\n");
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(body);
            raw = socket.getInputStream().readAllBytes();
        }
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        assertThat(text).startsWith("HTTP/1.1 200").contains("transfer-encoding: chunked").doesNotEndWith("0\r\n\r\n");
        List<String> chunks = decode(dechunk(raw, text.indexOf("\r\n\r\n") + 4)).stream().map(FakeBedrockTest::chunkJson).toList();
        assertThat(chunks).isEqualTo(SseFrames.data(f.stream()).stream().filter(d -> !d.contains("\"ping\"")).toList());
    }

    @Test
    void hangsWithoutAnswering() {
        HttpRequest hang = signed(INVOKE, bedrockBody(Fixture.load(Api.ANTHROPIC_MESSAGES, "hang")), KEY, Instant.now())
                .timeout(Duration.ofMillis(300)).build();
        assertThatThrownBy(() -> http.send(hang, HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
    }

    // ---------------------------------------------------------------------------------- helpers

    /** The fixture's request as a Bedrock client sends it: no model, no stream, Bedrock's anthropic_version. */
    private static ObjectNode bedrockBody(Fixture f) {
        ObjectNode body = f.request(false);
        body.remove("model");
        body.remove("stream");
        body.put("anthropic_version", "bedrock-2023-05-31");
        return body;
    }

    private static SignedRequest awsSign(String path, byte[] body, AwsCredentialsIdentity identity, Instant at) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create(fake.bedrockBaseUrl() + path))
                .putHeader("content-type", "application/json")
                .build();
        return AwsV4HttpSigner.create().sign(r -> r.identity(identity)
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
    }

    /** A request signed by AWS's signer at an instant, with every header it signed but Host (the JDK client sets that one). */
    private static HttpRequest.Builder signed(String path, JsonNode json, AwsCredentialsIdentity identity, Instant at) {
        byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        SignedRequest signed = awsSign(path, body, identity, at);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.bedrockBaseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signed.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                values.forEach(v -> request.header(name, v));
            }
        });
        return request;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> sendBytes(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void assertAwsError(HttpResponse<String> r, int status, String type, String namespace) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("x-amzn-errortype"))
                .hasValue(type + ":http://internal.amazon.com/coral/" + namespace + "/");
        assertThat(r.headers().firstValue("x-amzn-requestid")).isPresent();
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    }

    private static List<Message> decode(byte[] stream) {
        MessageDecoder decoder = new MessageDecoder();
        decoder.feed(stream);
        return decoder.getDecodedMessages();
    }

    private static String header(Message m, String name) {
        return m.getHeaders().get(name).getString();
    }

    /** The event JSON a chunk carries, base64 in its {@code bytes} member. */
    private static String chunkJson(Message m) {
        try {
            String bytes = JSON.readTree(m.getPayload()).path("bytes").asText();
            return new String(Base64.getDecoder().decode(bytes), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The data of an HTTP/1.1 chunked body, as far as it goes. */
    private static byte[] dechunk(byte[] raw, int from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = from;
        while (i < raw.length) {
            int lineEnd = indexOf(raw, i);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(new String(raw, i, lineEnd - i, StandardCharsets.ISO_8859_1).trim(), 16);
            if (size == 0) {
                break;
            }
            int start = lineEnd + 2;
            out.write(raw, start, Math.min(size, raw.length - start));
            i = start + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i + 1 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
