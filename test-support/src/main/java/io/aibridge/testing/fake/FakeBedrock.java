package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The fake provider's AWS Bedrock Runtime for Anthropic models: {@code POST /model/{modelId}/invoke}
 * (blocking) and {@code POST /model/{modelId}/invoke-with-response-stream} (an
 * {@code application/vnd.amazon.eventstream}, see {@link BedrockEventStream}), answered from the
 * {@code anthropic-messages} fixtures with the same scenario selection, scripted tool loops and
 * {@code X-Fake-*} headers as {@code /v1/messages}; and {@code POST /model/{modelId}/count-tokens}
 * (Bedrock's {@code CountTokens} with an {@code InvokeModel} body).
 *
 * <p>Like Bedrock it first checks the SigV4 signature ({@link SigV4Check}), then the model id (the
 * path segment is percent-encoded, {@code %3A} for {@code :} and {@code %2F} for {@code /}), then the
 * body: Anthropic's Messages request without {@code model} and {@code stream}, with
 * {@code "anthropic_version":"bedrock-2023-05-31"}
 * (<a href="https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html">Bedrock's Messages API</a>).
 * Errors come in Bedrock's shape ({@link BedrockError}).
 */
final class FakeBedrock {

    static final String PATH_PREFIX = "/model/";
    static final String INVOKE = "invoke";
    static final String INVOKE_STREAM = "invoke-with-response-stream";
    static final String COUNT_TOKENS = "count-tokens";
    static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";
    /** Bedrock's own model ids and cross-region inference profiles for Anthropic, and ARNs. */
    static final List<String> MODEL_PREFIXES = List.of("anthropic.", "us.anthropic.", "eu.anthropic.", "apac.anthropic.",
            "global.anthropic.", "arn:aws:bedrock:");
    /** Members of Anthropic's request that Bedrock's schema refuses (the model is in the path, streaming is the operation). */
    static final List<String> EXTRANEOUS = List.of("model", "stream", "metadata", "service_tier", "container", "inference_geo");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeProvider fake;
    private final SigV4Check signatures;

    FakeBedrock(FakeProvider fake, SigV4Check signatures) {
        this.fake = fake;
        this.signatures = signatures;
    }

    void handle(HttpServerRequest request, Buffer body) {
        try {
            answer(request, body);
        } catch (RuntimeException e) {
            BedrockError.fromStatus(500, "fake provider failed: " + e.getMessage()).send(request.response());
        }
    }

    private void answer(HttpServerRequest request, Buffer body) {
        String path = request.path();
        BedrockError refused = signatures.check(request.method().name(), path, request.query(), request.headers(), body.getBytes());
        if (refused != null) {
            refused.send(request.response());
            return;
        }
        int slash = path.lastIndexOf('/');
        String operation = path.substring(slash + 1);
        if (!request.method().name().equals("POST") || slash < PATH_PREFIX.length()
                || !(operation.equals(INVOKE) || operation.equals(INVOKE_STREAM) || operation.equals(COUNT_TOKENS))) {
            new BedrockError(404, "UnknownOperationException", "no operation for " + request.method().name() + " " + path,
                    BedrockError.CORAL, "message").send(request.response());
            return;
        }
        if (!validModelId(path.substring(PATH_PREFIX.length(), slash))) {
            BedrockError.validation("The provided model identifier is invalid.").send(request.response());
            return;
        }
        if (operation.equals(COUNT_TOKENS)) {
            countTokens(request, path.substring(PATH_PREFIX.length(), slash), body);
            return;
        }
        JsonNode json = readJson(body.getBytes());
        String invalid = invalidBody(json);
        if (invalid != null) {
            BedrockError.validation(invalid).send(request.response());
            return;
        }
        if (failsFlakily(request)) {
            return;
        }
        String scenario = fake.scenario(request, Api.ANTHROPIC_MESSAGES, json);
        Fixture fixture;
        try {
            fixture = fake.scripted(Api.ANTHROPIC_MESSAGES, json, fake.fixture(Api.ANTHROPIC_MESSAGES, scenario));
        } catch (IllegalArgumentException e) {
            BedrockError.validation("the fake provider has no scenario '" + scenario + "' for anthropic-messages")
                    .send(request.response());
            return;
        }
        fake.chosen(request, fixture.scenario());
        if (fixture.hangs()) {
            return; // never answer: for timeout tests
        }
        boolean stream = operation.equals(INVOKE_STREAM);
        if (fixture.status(stream) >= 400) {
            fail(request, fixture, stream);
        } else if (stream && fixture.stream() != null) {
            stream(request, fixture);
        } else {
            blocking(request, fixture);
        }
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * {@code CountTokens} with an {@code InvokeModel} body, {@code {"input":{"invokeModel":{"body":
     * "<base64>"}}}}: like Bedrock, only for a foundation model's id (not an inference profile's),
     * and the body must be one {@code InvokeModel} takes. The count is the fake's usual one, a token
     * per four bytes of that body (at least one).
     */
    private static void countTokens(HttpServerRequest request, String rawModelSegment, Buffer body) {
        String modelId = URLDecoder.decode(rawModelSegment.replace("+", "%2B"), StandardCharsets.UTF_8);
        if (!modelId.startsWith("anthropic.")) {
            BedrockError.validation("The provided model doesn't support counting tokens.").send(request.response());
            return;
        }
        JsonNode encoded = readJson(body.getBytes());
        JsonNode invokeBody = encoded == null ? null : encoded.path("input").path("invokeModel").path("body");
        if (invokeBody == null || !invokeBody.isTextual()) {
            BedrockError.validation("Malformed input request: #/input: expected invokeModel.body or converse, please reformat your "
                    + "input and try again.").send(request.response());
            return;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(invokeBody.asText());
        } catch (IllegalArgumentException e) {
            BedrockError.validation("Malformed input request: #/input/invokeModel/body: not base64").send(request.response());
            return;
        }
        String invalid = invalidBody(readJson(decoded));
        if (invalid != null) {
            BedrockError.validation(invalid).send(request.response());
            return;
        }
        FakeProvider.json(request.response().putHeader("x-amzn-RequestId", UUID.randomUUID().toString()), 200,
                "{\"inputTokens\":" + Math.max(1, decoded.length / 4) + "}");
    }

    /** The decoded model id is one of Bedrock's Anthropic ids or an ARN. */
    static boolean validModelId(String rawSegment) {
        String modelId;
        try {
            modelId = URLDecoder.decode(rawSegment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MODEL_PREFIXES.stream().anyMatch(modelId::startsWith);
    }

    /**
     * What Bedrock's schema says about the body, or null when it passes. The messages follow Bedrock's
     * own ("Malformed input request: #: ..., please reformat your input and try again.").
     */
    static String invalidBody(JsonNode json) {
        if (json == null || !json.isObject()) {
            return "Malformed input request, please reformat your input and try again.";
        }
        for (String member : EXTRANEOUS) {
            if (json.has(member)) {
                return malformed("extraneous key [" + member + "] is not permitted");
            }
        }
        for (String member : List.of("anthropic_version", "max_tokens", "messages")) {
            if (!json.has(member)) {
                return malformed("required key [" + member + "] not found");
            }
        }
        if (!ANTHROPIC_VERSION.equals(json.get("anthropic_version").asText())) {
            return "Invalid API version: " + json.get("anthropic_version").asText();
        }
        return null;
    }

    private static String malformed(String violation) {
        return "Malformed input request: #: " + violation + ", please reformat your input and try again.";
    }

    /** {@link FakeProvider#FLAKY_HEADER} on Bedrock: the failure in Bedrock's shape. */
    private boolean failsFlakily(HttpServerRequest request) {
        return fake.failedFlakily(request, code -> {
            String type = switch (code) {
                case 429 -> "ThrottlingException";
                case 503 -> "ServiceUnavailableException";
                default -> "InternalServerException";
            };
            new BedrockError(code, type, "flaky: " + code, BedrockError.BEDROCK, "message").send(request.response());
        });
    }

    /** An error fixture: its Anthropic message, with the Bedrock type of its status. */
    private void fail(HttpServerRequest request, Fixture fixture, boolean stream) {
        JsonNode error = fixture.responseJson().path("error");
        BedrockError answer = BedrockError.fromStatus(fixture.status(stream), error.path("message").asText(error.toString()));
        fake.later(fake.ttfb(request), () -> answer.send(request.response()));
    }

    private void blocking(HttpServerRequest request, Fixture fixture) {
        long ttfb = fake.ttfb(request);
        JsonNode usage = fixture.responseJson().path("usage");
        HttpServerResponse response = request.response()
                .putHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .putHeader("X-Amzn-Bedrock-Input-Token-Count", usage.path("input_tokens").asText("0"))
                .putHeader("X-Amzn-Bedrock-Output-Token-Count", usage.path("output_tokens").asText("0"))
                .putHeader("X-Amzn-Bedrock-Invocation-Latency", String.valueOf(ttfb));
        fake.later(ttfb, () -> {
            if (fixture.breaks()) {
                fake.breakBlocking(request, 200, fixture.response());
            } else {
                FakeProvider.json(response, 200, fixture.response());
            }
        });
    }

    private void stream(HttpServerRequest request, Fixture fixture) {
        long ttfb = fake.ttfb(request);
        long chunkDelay = fake.chunkDelay(request);
        List<Buffer> messages = BedrockEventStream.messages(fixture.stream(), ttfb, chunkDelay);
        String corrupt = request.getHeader(FakeProvider.CORRUPT_MESSAGE_HEADER);
        if (corrupt != null) {
            int n = Integer.parseInt(corrupt.trim());
            Buffer message = messages.get(n).copy();
            message.setByte(message.length() - 1, (byte) ~message.getByte(message.length() - 1));
            messages.set(n, message);
        }
        List<Buffer> pieces = FakeProvider.slices(messages, request);
        fake.later(ttfb, () -> {
            request.response().setStatusCode(200).setChunked(true)
                    .putHeader("Content-Type", "application/vnd.amazon.eventstream")
                    .putHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                    .putHeader("X-Amzn-Bedrock-Content-Type", "application/json");
            fake.writePieces(request, pieces, 0, chunkDelay, fixture.breaks());
        });
    }
}
