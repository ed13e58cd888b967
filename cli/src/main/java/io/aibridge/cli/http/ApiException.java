package io.aibridge.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.CliException;
import io.aibridge.cli.ExitCodes;
import io.aibridge.cli.text.Format;

import java.util.ArrayList;
import java.util.List;

/**
 * The server answered with an error. The API's body is {@code {message, detail, validations[{field,
 * detail}]}}; all of it is shown, one line each. Exit code 2.
 */
public final class ApiException extends CliException {

    /** One bad input as the API names it. */
    public record Validation(String field, String detail) {
    }

    private final int status;
    private final String apiMessage;
    private final String detail;
    private final List<Validation> validations;

    ApiException(int status, String apiMessage, String detail, List<Validation> validations) {
        super(ExitCodes.SERVER_ERROR, render(status, apiMessage, detail, validations));
        this.status = status;
        this.apiMessage = apiMessage;
        this.detail = detail;
        this.validations = List.copyOf(validations);
    }

    /** From an error answer: the API's JSON body when there is one, else a piece of the raw body. */
    static ApiException from(int status, JsonNode json, String raw) {
        if (json != null && json.isObject() && json.path("message").isTextual()) {
            List<Validation> validations = new ArrayList<>();
            for (JsonNode v : json.path("validations")) {
                validations.add(new Validation(v.path("field").asText(""), v.path("detail").asText("")));
            }
            return new ApiException(status, json.path("message").asText(), json.path("detail").asText(""), validations);
        }
        String body = raw == null ? "" : raw.strip().replaceAll("\\s+", " ");
        if (body.length() > 200) {
            body = body.substring(0, 200) + "...";
        }
        return new ApiException(status, reason(status), body, List.of());
    }

    public int status() {
        return status;
    }

    /** The API's {@code message}. */
    public String apiMessage() {
        return apiMessage;
    }

    public String detail() {
        return detail;
    }

    public List<Validation> validations() {
        return validations;
    }

    /** The server's words are shown escaped ({@link Format#safe}), one line each. */
    private static String render(int status, String message, String detail, List<Validation> validations) {
        StringBuilder text = new StringBuilder(Format.flat(message)).append(" (HTTP ").append(status).append(')');
        // the API repeats a lone validation's text as the detail: print it once
        if (detail != null && !detail.isEmpty() && validations.stream().noneMatch(v -> v.detail().equals(detail))) {
            text.append('\n').append(Format.flat(detail));
        }
        for (Validation v : validations) {
            text.append("\n  ").append(v.field().isEmpty() ? "" : Format.flat(v.field()) + ": ")
                    .append(Format.flat(v.detail()));
        }
        return text.toString();
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad request.";
            case 401 -> "Authentication required.";
            case 403 -> "Forbidden.";
            case 404 -> "Not found.";
            case 502, 504 -> "The gateway in front of AI Bridge could not reach it.";
            case 503 -> "AI Bridge is unavailable.";
            default -> status >= 500 ? "AI Bridge failed to answer." : "Unexpected answer from AI Bridge.";
        };
    }
}
