package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Bedrock's error answers and exception types as Anthropic's error types and JSON. */
class BedrockErrorsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String CREDENTIALS = "AWS Bedrock refused AI Bridge's AWS credentials: ";

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
            "throttlingException, rate_limit_error",
            "ThrottlingException, rate_limit_error",
            "THROTTLINGEXCEPTION, rate_limit_error",
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/, rate_limit_error",
            "com.amazon.bedrock#ThrottlingException, rate_limit_error",
            "serviceUnavailableException, overloaded_error",
            "ServiceUnavailableException, overloaded_error",
            "validationException, invalid_request_error",
            "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/, invalid_request_error",
            "accessDeniedException, permission_error",
            "AccessDeniedException, permission_error",
            "UnrecognizedClientException, permission_error",
            "InvalidSignatureException, permission_error",
            "ExpiredTokenException, permission_error",
            "MissingAuthenticationTokenException, permission_error",
            "resourceNotFoundException, not_found_error",
            "ResourceNotFoundException, not_found_error",
            "modelTimeoutException, timeout_error",
            "ModelTimeoutException, timeout_error",
            "internalServerException, api_error",
            "modelStreamErrorException, api_error",
            "ModelErrorException, api_error",
            "someFutureException, api_error",
            "'', api_error",
            "':http://internal.amazon.com/', api_error",
            "NULL, api_error"})
    void mapsAwsErrorTypesToAnthropicErrorTypes(String awsType, String anthropicType) {
        assertThat(BedrockErrors.anthropicType(awsType)).isEqualTo(anthropicType);
    }

    static Stream<Arguments> answers() {
        String v = "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/";
        return Stream.of(
                // status, x-amzn-ErrorType, body, Anthropic type, message
                arguments(400, v, "{\"message\":\"Malformed input request: #: extraneous key [foo] is not permitted, please reformat your input and try again.\"}",
                        "invalid_request_error", "Malformed input request: #: extraneous key [foo] is not permitted, please reformat your input and try again."),
                arguments(429, "ThrottlingException", "{\"message\":\"Too many requests, please wait before trying again.\"}",
                        "rate_limit_error", "Too many requests, please wait before trying again."),
                arguments(503, "ServiceUnavailableException", "{\"Message\":\"Bedrock is unable to process your request.\"}",
                        "overloaded_error", "Bedrock is unable to process your request."),
                arguments(404, "ResourceNotFoundException", "{\"message\":\"Model not found.\"}", "not_found_error", "Model not found."),
                arguments(408, "ModelTimeoutException", "{\"message\":\"Model has timed out in processing the request.\"}",
                        "timeout_error", "Model has timed out in processing the request."),
                arguments(500, "InternalServerException", "{\"message\":\"Internal server error\"}", "api_error", "Internal server error"),
                // a known type wins over the status; an unknown one leaves the status to decide
                arguments(424, "ModelErrorException", "{\"message\":\"The model failed.\"}", "api_error", "The model failed."),
                arguments(429, "ModelNotReadyException", "{\"message\":\"Model is not ready.\"}", "rate_limit_error", "Model is not ready."),
                arguments(400, "ServiceQuotaExceededException", "{\"message\":\"Quota exceeded.\"}", "invalid_request_error", "Quota exceeded."),
                // AI Bridge's own AWS identity refused
                arguments(403, "AccessDeniedException", "{\"message\":\"You don't have access to the model with the specified model ID.\"}",
                        "permission_error", CREDENTIALS + "You don't have access to the model with the specified model ID."),
                arguments(403, "UnrecognizedClientException", "{\"message\":\"The security token included in the request is invalid.\"}",
                        "permission_error", CREDENTIALS + "The security token included in the request is invalid."),
                arguments(403, "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/",
                        "{\"message\":\"The request signature we calculated does not match the signature you provided.\"}",
                        "permission_error", CREDENTIALS + "The request signature we calculated does not match the signature you provided."),
                arguments(403, "ExpiredTokenException", "{\"message\":\"The security token included in the request is expired\"}",
                        "permission_error", CREDENTIALS + "The security token included in the request is expired"),
                arguments(403, "MissingAuthenticationTokenException", "{\"message\":\"Missing Authentication Token\"}",
                        "permission_error", CREDENTIALS + "Missing Authentication Token"),
                arguments(400, "IncompleteSignatureException", "{\"message\":\"Authorization header requires 'Signature' parameter.\"}",
                        "permission_error", CREDENTIALS + "Authorization header requires 'Signature' parameter."),
                arguments(401, null, "{\"message\":\"Unauthorized\"}", "permission_error", CREDENTIALS + "Unauthorized"),
                arguments(403, null, "", "permission_error", "AWS Bedrock refused AI Bridge's AWS credentials (status 403)"),
                // no type header: the body's __type, else the status
                arguments(400, null, "{\"__type\":\"com.amazon.bedrock#ThrottlingException\",\"message\":\"slow down\"}", "rate_limit_error", "slow down"),
                arguments(400, "", "{\"message\":\"bad\"}", "invalid_request_error", "bad"),
                arguments(404, null, "{\"message\":\"no\"}", "not_found_error", "no"),
                arguments(413, null, "{\"message\":\"big\"}", "request_too_large", "big"),
                arguments(429, null, "{\"message\":\"slow\"}", "rate_limit_error", "slow"),
                arguments(408, null, "{\"message\":\"late\"}", "timeout_error", "late"),
                arguments(504, null, "{\"message\":\"late\"}", "timeout_error", "late"),
                arguments(503, null, "{\"message\":\"busy\"}", "overloaded_error", "busy"),
                arguments(529, null, "{\"message\":\"busy\"}", "overloaded_error", "busy"),
                arguments(500, null, "{\"message\":\"oops\"}", "api_error", "oops"),
                arguments(502, null, "{\"message\":\"oops\"}", "api_error", "oops"),
                arguments(409, null, "{\"message\":\"conflict\"}", "invalid_request_error", "conflict"),
                // the message when the body has none
                arguments(502, null, "<html><body>502 Bad Gateway</body></html>\n", "api_error", "<html><body>502 Bad Gateway</body></html>"),
                arguments(500, null, "{\"error\":\"x\"}", "api_error", "{\"error\":\"x\"}"),
                arguments(500, null, "{\"message\":\"\"}", "api_error", "{\"message\":\"\"}"),
                arguments(500, null, "", "api_error", "AWS Bedrock answered 500"),
                arguments(503, null, null, "overloaded_error", "AWS Bedrock answered 503"),
                arguments(500, null, "  \n ", "api_error", "AWS Bedrock answered 500"));
    }

    @ParameterizedTest
    @MethodSource("answers")
    void turnsABedrockErrorAnswerIntoAnthropicsErrorJson(int status, String typeHeader, String body, String anthropicType, String message)
            throws Exception {
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);

        JsonNode json = MAPPER.readTree(BedrockErrors.toAnthropic(status, typeHeader, bytes));

        assertThat(json.get("type").asText()).isEqualTo("error");
        assertThat(json.at("/error/type").asText()).isEqualTo(anthropicType);
        assertThat(json.at("/error/message").asText()).isEqualTo(message);
        assertThat(json.size()).isEqualTo(2);
        assertThat(json.get("error").size()).isEqualTo(2);
    }

    @Test
    void buildsExactlyAnthropicsErrorShape() {
        byte[] json = BedrockErrors.toAnthropic(429, "ThrottlingException", "{\"message\":\"Too many requests\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(json, StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Too many requests\"}}");
    }

    @Test
    void cutsALongRawBodyToFiveHundredCharacters() throws Exception {
        String body = "é".repeat(499) + "☀" + "x".repeat(300);

        JsonNode json = MAPPER.readTree(BedrockErrors.toAnthropic(502, null, body.getBytes(StandardCharsets.UTF_8)));

        assertThat(json.at("/error/message").asText()).isEqualTo("é".repeat(499) + "☀");
    }

    @Test
    void neverSplitsASurrogatePairWhenCutting() throws Exception {
        String body = "a".repeat(499) + "😀" + "tail";

        JsonNode json = MAPPER.readTree(BedrockErrors.toAnthropic(502, null, body.getBytes(StandardCharsets.UTF_8)));

        assertThat(json.at("/error/message").asText()).isEqualTo("a".repeat(499));
    }

    @Test
    void escapesTheMessage() throws Exception {
        String text = "quote \" backslash \\ newline \n tab \t control \u0002 ünïcode";
        byte[] body = MAPPER.writeValueAsBytes(java.util.Map.of("message", text));

        byte[] json = BedrockErrors.toAnthropic(400, "ValidationException", body);

        assertThat(MAPPER.readTree(json).at("/error/message").asText()).isEqualTo(text);
        assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain("\n", "\t");
    }
}
