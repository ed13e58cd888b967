package io.aibridge.query.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * The error body of every non-2xx answer, as in the reference API: a short summary, an optional
 * explanation and one entry per invalid input. It never carries a stack trace.
 */
@Schema(description = "Error body: a summary, an optional explanation and one entry per invalid input")
public record ApiError(
        @Schema(description = "Short summary", example = "Invalid pagination limit value.") String message,
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        @Schema(description = "Explanation, when there is one") String detail,
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        @Schema(description = "One entry per invalid input") List<ValidationError> validations) {

    public ApiError {
        validations = validations == null ? List.of() : List.copyOf(validations);
    }

    public static ApiError of(String message, String detail) {
        return new ApiError(message, detail, List.of());
    }
}
