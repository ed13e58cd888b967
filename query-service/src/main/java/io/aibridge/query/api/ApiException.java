package io.aibridge.query.api;

import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * A failure to answer with a status and an {@link ApiError} body. Thrown by resources and services
 * for anything the caller can act on; mapped to the response by {@link ErrorMappers}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final ApiError error;

    public ApiException(int status, ApiError error) {
        super(error.message(), null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public ApiError error() {
        return error;
    }

    /** 400 with one validation entry whose detail is also the explanation. */
    public static ApiException badRequest(String message, String field, String detail) {
        return new ApiException(400, new ApiError(message, detail, List.of(new ValidationError(field, detail))));
    }

    /** 400 listing every invalid input. */
    public static ApiException badRequest(String message, List<ValidationError> validations) {
        String detail = validations.size() == 1 ? validations.get(0).detail() : null;
        return new ApiException(400, new ApiError(message, detail, validations));
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, ApiError.of(message, null));
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(403, ApiError.of("Forbidden.", detail));
    }

    public static ApiException conflict(String message, String field, String detail) {
        return new ApiException(409, new ApiError(message, detail, List.of(new ValidationError(field, detail))));
    }

    public static ApiException unavailable(String message, String detail) {
        return new ApiException(Response.Status.SERVICE_UNAVAILABLE.getStatusCode(), ApiError.of(message, detail));
    }
}
