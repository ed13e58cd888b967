package io.aibridge.testing.fake;

import io.vertx.core.http.HttpServerResponse;

import java.util.UUID;

/**
 * An error answer in AWS Bedrock Runtime's shape: the status, {@code x-amzn-ErrorType: <type>:<namespace>},
 * {@code x-amzn-RequestId} and a JSON body with the message. AWS's request-authentication layer
 * names its namespace {@code com.amazon.coral.service} and capitalizes {@code Message}; Bedrock's own
 * errors come from {@code com.amazon.bedrock} with {@code message}.
 *
 * @param messageKey {@code message} or {@code Message}
 */
record BedrockError(int status, String type, String message, String namespace, String messageKey) {

    static final String CORAL = "com.amazon.coral.service";
    static final String BEDROCK = "com.amazon.bedrock";

    /** A 403 of the signature check (InvalidSignatureException, UnrecognizedClientException, ...). */
    static BedrockError auth(String type, String message) {
        return new BedrockError(403, type, message, CORAL, "Message");
    }

    /** A 400 ValidationException. */
    static BedrockError validation(String message) {
        return new BedrockError(400, "ValidationException", message, BEDROCK, "message");
    }

    /**
     * The Bedrock error for an Anthropic error status: Bedrock has no 401 and no 529, so an
     * authentication failure becomes AccessDeniedException and an overload ServiceUnavailableException.
     */
    static BedrockError fromStatus(int status, String message) {
        return switch (status) {
            case 400 -> validation(message);
            case 401, 403 -> new BedrockError(403, "AccessDeniedException", message, BEDROCK, "message");
            case 404 -> new BedrockError(404, "ResourceNotFoundException", message, BEDROCK, "message");
            case 408 -> new BedrockError(408, "ModelTimeoutException", message, BEDROCK, "message");
            case 424 -> new BedrockError(424, "ModelErrorException", message, BEDROCK, "message");
            case 429 -> new BedrockError(429, "ThrottlingException", message, BEDROCK, "message");
            case 503, 529 -> new BedrockError(503, "ServiceUnavailableException", message, BEDROCK, "message");
            default -> status >= 500
                    ? new BedrockError(500, "InternalServerException", message, BEDROCK, "message")
                    : validation(message);
        };
    }

    /** {@code <type>:http://internal.amazon.com/coral/<namespace>/}, as the {@code x-amzn-ErrorType} header carries it. */
    String errorTypeHeader() {
        return type + ":http://internal.amazon.com/coral/" + namespace + "/";
    }

    String body() {
        return "{\"" + messageKey + "\":\"" + FakeProvider.jsonEscape(message) + "\"}";
    }

    void send(HttpServerResponse response) {
        if (response.closed() || response.ended()) {
            return;
        }
        response.putHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .putHeader("x-amzn-ErrorType", errorTypeHeader());
        FakeProvider.json(response, status, body());
    }
}
