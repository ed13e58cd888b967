package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.aibridge.proxy.interception.Texts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Bedrock's errors as Anthropic's: the one place that maps an AWS error type or an HTTP status to
 * one of Anthropic's error types ({@code invalid_request_error}, {@code permission_error}, ...) and
 * builds Anthropic's error JSON {@code {"type":"error","error":{"type":...,"message":...}}}, which
 * the caller's SDK parses.
 *
 * <p>Bedrock Runtime speaks AWS's
 * <a href="https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html">restJson1</a> protocol: an error's type is in the
 * {@code x-amzn-ErrorType} response header, possibly followed by {@code :} and a namespace URL, and
 * its text in the body's {@code message} (or {@code Message}) member.
 */
public final class BedrockErrors {

    static final JsonFactory JSON = new JsonFactory();

    /**
     * AWS's errors for a request whose signature or credentials it rejects (lower case). Bedrock
     * sees AI Bridge's AWS identity, never the caller's, so these are AI Bridge's problem.
     */
    private static final Set<String> CREDENTIAL_ERRORS = Set.of("accessdeniedexception", "invalidsignatureexception",
            "incompletesignatureexception", "unrecognizedclientexception", "expiredtokenexception",
            "missingauthenticationtokenexception");

    /** Longest raw (non-JSON) body text quoted in a message. */
    private static final int RAW_BODY_CHARS = 500;

    private BedrockErrors() {
    }

    /**
     * Anthropic's error type for an AWS error type. Case-insensitive; accepts {@code throttlingException},
     * {@code ThrottlingException}, the header form {@code ThrottlingException:http://internal.amazon.com/...}
     * and the body form {@code com.amazon.bedrock#ThrottlingException}. Unknown or absent types are
     * {@code api_error}.
     */
    public static String anthropicType(String awsErrorType) {
        String known = knownType(awsErrorType);
        return known == null ? "api_error" : known;
    }

    /**
     * A non-2xx answer from Bedrock as Anthropic's error JSON. The type comes from the
     * {@code x-amzn-ErrorType} header (or, failing that, the body's {@code __type} or {@code code}),
     * else from the status. The message is the body's message, else the raw body text (at most 500
     * characters), else {@code AWS Bedrock answered <status>}. A rejected signature or credential
     * (and any 401 or 403) is AI Bridge's own AWS identity failing, not the caller's: the message says
     * so and the type is {@code permission_error}, never {@code authentication_error}, which would
     * tell the caller that its own key is wrong. Only the body is built; the caller picks the status.
     *
     * @param amznErrorTypeHeader the {@code x-amzn-ErrorType} response header, or null
     * @param body the response body, or null
     */
    public static byte[] toAnthropic(int status, String amznErrorTypeHeader, byte[] body) {
        ErrorBody parsed = parseBody(body);
        String awsType = isBlank(amznErrorTypeHeader) ? parsed.type() : amznErrorTypeHeader;
        String type = knownType(awsType);
        if (type == null) {
            type = typeForStatus(status);
        }
        String message = parsed.message() != null ? parsed.message() : rawText(body);
        if (isCredentialProblem(awsType) || status == 401 || status == 403) {
            message = message == null
                    ? "AWS Bedrock refused AI Bridge's AWS credentials (status " + status + ")"
                    : "AWS Bedrock refused AI Bridge's AWS credentials: " + message;
        } else if (message == null) {
            message = "AWS Bedrock answered " + status;
        }
        return errorJson(type, message);
    }

    /** Anthropic's error type for an HTTP status from Bedrock when no known AWS error type names it. */
    static String typeForStatus(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            // Bedrock's 401 and 403 are about AI Bridge's AWS credentials, not the caller's key.
            case 401, 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 408, 504 -> "timeout_error";
            case 503, 529 -> "overloaded_error";
            // Anthropic documents invalid_request_error for the 4xx statuses it does not list.
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }

    private static String knownType(String awsErrorType) {
        String name = shapeName(awsErrorType);
        if (name == null) {
            return null;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (CREDENTIAL_ERRORS.contains(lower)) {
            return "permission_error";
        }
        return switch (lower) {
            case "throttlingexception" -> "rate_limit_error";
            case "serviceunavailableexception" -> "overloaded_error";
            case "validationexception" -> "invalid_request_error";
            case "resourcenotfoundexception" -> "not_found_error";
            case "modeltimeoutexception" -> "timeout_error";
            case "internalserverexception", "modelstreamerrorexception", "modelerrorexception" -> "api_error";
            default -> null;
        };
    }

    private static boolean isCredentialProblem(String awsErrorType) {
        String name = shapeName(awsErrorType);
        return name != null && CREDENTIAL_ERRORS.contains(name.toLowerCase(Locale.ROOT));
    }

    /**
     * The bare error name, per the restJson1 rules: what follows a {@code #}, cut before a
     * {@code :}. Null when nothing is left.
     */
    private static String shapeName(String awsErrorType) {
        if (awsErrorType == null) {
            return null;
        }
        String name = awsErrorType;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            name = name.substring(0, colon);
        }
        int hash = name.indexOf('#');
        if (hash >= 0) {
            name = name.substring(hash + 1);
        }
        name = name.strip();
        return name.isEmpty() ? null : name;
    }

    /** What an AWS error body says, each member null when absent. */
    record ErrorBody(String message, String type, String originalMessage, String originalStatusCode) {
        static final ErrorBody NONE = new ErrorBody(null, null, null, null);
    }

    /**
     * Reads the members of an AWS error body that matter here: {@code message} (or {@code Message}),
     * {@code __type} (or {@code code}), and a model stream error's {@code originalMessage} and
     * {@code originalStatusCode}. A body that is not a JSON object reads as {@link ErrorBody#NONE}.
     */
    static ErrorBody parseBody(byte[] body) {
        if (body == null || body.length == 0) {
            return ErrorBody.NONE;
        }
        String message = null;
        String upperMessage = null;
        String type = null;
        String code = null;
        String originalMessage = null;
        String originalStatusCode = null;
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return ErrorBody.NONE;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                boolean scalar = value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT;
                if (!scalar) {
                    parser.skipChildren();
                    continue;
                }
                String text = parser.getText();
                switch (name) {
                    case "message" -> message = nonEmpty(text);
                    case "Message" -> upperMessage = nonEmpty(text);
                    case "__type" -> type = nonEmpty(text);
                    case "code" -> code = nonEmpty(text);
                    case "originalMessage" -> originalMessage = nonEmpty(text);
                    case "originalStatusCode" -> originalStatusCode = nonEmpty(text);
                    default -> {
                    }
                }
            }
        } catch (IOException e) {
            return ErrorBody.NONE;
        }
        return new ErrorBody(message != null ? message : upperMessage, type != null ? type : code, originalMessage, originalStatusCode);
    }

    /** The body as text, stripped and cut to 500 characters; null when empty. */
    static String rawText(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return null;
        }
        return Texts.prefix(text, RAW_BODY_CHARS);
    }

    /** Anthropic's error JSON; Jackson escapes the message. */
    static byte[] errorJson(String anthropicType, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", "error");
            json.writeObjectFieldStart("error");
            json.writeStringField("type", anthropicType);
            json.writeStringField("message", message);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
