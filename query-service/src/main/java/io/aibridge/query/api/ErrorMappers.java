package io.aibridge.query.api;

import io.aibridge.query.db.DatabaseException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into an {@link ApiError} body. The caller's mistakes are 4xx with a message
 * that says what to change; our own failures are 5xx with a generic message, logged here, and
 * never a stack trace or a database message in the response.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return respond(e.status(), e.error());
    }

    /** Framework errors: unknown path (404), wrong method (405), unsupported media type (415), and the like. */
    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) {
            LOG.errorf(e, "request failed");
            return respond(500, ApiError.of("Internal error.", null));
        }
        return respond(status, ApiError.of(frameworkMessage(status), null));
    }

    @ServerExceptionMapper
    public Response database(DatabaseException e) {
        if (e.timedOut()) {
            LOG.warnf("query exceeded the statement timeout: %s", e.getMessage());
            return respond(503, ApiError.of("The query took too long.",
                    "Narrow the time range or add filters, then try again."));
        }
        if (e.schemaMissing()) {
            LOG.warnf("the database schema is not there yet (recorder-service creates it when it starts): %s", e.getMessage());
            return Response.fromResponse(respond(503, ApiError.of("The database schema is not there yet.",
                    "recorder-service creates and migrates it when it starts; try again in a moment."))).header("Retry-After", "5").build();
        }
        LOG.errorf(e, "database failure");
        return respond(503, ApiError.of("The database is unavailable.", "Try again later."));
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e) {
        LOG.errorf(e, "unexpected failure");
        return respond(500, ApiError.of("Internal error.", null));
    }

    static String frameworkMessage(int status) {
        return switch (status) {
            case 400 -> "Bad request.";
            case 401 -> "Authentication required.";
            case 403 -> "Forbidden.";
            case 404 -> "Not found.";
            case 405 -> "Method not allowed.";
            case 406 -> "Not acceptable: this API answers application/json.";
            case 413 -> "Request body too large.";
            case 415 -> "Unsupported media type: send application/json.";
            default -> "Request failed.";
        };
    }

    public static Response respond(int status, ApiError error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(error).build();
    }
}
