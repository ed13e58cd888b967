package io.aibridge.query.access;

import io.aibridge.identity.Authentication;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.TokenHeaders;
import io.aibridge.query.api.ApiError;
import io.aibridge.query.identity.IdentityLifecycle;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.time.Instant;

/**
 * Authenticates every API request from {@code Authorization: Bearer}, {@code X-Api-Key} or
 * {@code Coder-Session-Token}, in memory against the identity store (no database round trip).
 * Anything but an active user's valid key is 401 with {@code {message, detail}}. Probes, metrics and
 * the OpenAPI document are not JAX-RS resources and stay open.
 * <p>
 * Until the identity topic has been read to its end (after a start), a request with a token answers
 * 503 with {@code Retry-After} instead: the key may be one not read yet, and the users and keys API
 * would read or check against some of the users only. The bootstrap token, which needs no topic, is
 * the exception for the recorded data and {@code GET /api/v2/users/me}.
 */
public class AuthenticationFilter {

    static final String USERS_PATH = "/api/v2/users";
    static final String RETRY_AFTER_SECONDS = "1";

    private final IdentityStore identities;
    private final IdentityLifecycle identity;
    private final CallerContext callers;

    public AuthenticationFilter(IdentityStore identities, IdentityLifecycle identity, CallerContext callers) {
        this.identities = identities;
        this.identity = identity;
        this.callers = callers;
    }

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        String token = TokenHeaders.token(request::getHeaderString);
        Authentication result = identities.authenticate(token, Instant.now());
        if (token != null && !identity.ready() && !servedWhileLoading(result, request)) {
            return loading();
        }
        if (!result.authenticated()) {
            return unauthorized(result);
        }
        callers.set(new Caller(result.principal()));
        return null;
    }

    /** Before the identity topic is read: only the bootstrap token, and not for the users and keys API (but its own user). */
    private static boolean servedWhileLoading(Authentication result, ContainerRequestContext request) {
        if (!result.authenticated() || !BootstrapAdmin.KEY_ID.equals(result.principal().apiKeyId())) {
            return false;
        }
        String path = request.getUriInfo().getPath();
        boolean usersApi = path.equals(USERS_PATH) || path.startsWith(USERS_PATH + "/");
        return !usersApi || (request.getMethod().equals("GET") && path.equals(USERS_PATH + "/me"));
    }

    private static Response loading() {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                .entity(ApiError.of("The service is starting and has not loaded its users and API keys yet.",
                        "It is reading the identity topic; retry in a moment."))
                .build();
    }

    private static Response unauthorized(Authentication result) {
        return Response.status(401)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .entity(ApiError.of("Authentication required.", result.failure()))
                .build();
    }
}
