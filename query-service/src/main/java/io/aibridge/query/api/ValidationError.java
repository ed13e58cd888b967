package io.aibridge.query.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One bad input: the parameter, search key or body field, and what is wrong with it. */
@Schema(description = "One invalid input")
public record ValidationError(
        @Schema(description = "The query parameter, search key or body field", example = "limit") String field,
        @Schema(description = "What is wrong with it") String detail) {
}
