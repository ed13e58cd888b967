package io.aibridge.query.access;

import io.aibridge.identity.Authentication;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.TokenHeaders;
import io.aibridge.query.api.ApiError;
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
 */
public class AuthenticationFilter {

    private final IdentityStore identities;
    private final CallerContext callers;

    public AuthenticationFilter(IdentityStore identities, CallerContext callers) {
        this.identities = identities;
        this.callers = callers;
    }

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        String token = TokenHeaders.token(request::getHeaderString);
        Authentication result = identities.authenticate(token, Instant.now());
        if (!result.authenticated()) {
            return unauthorized(result);
        }
        callers.set(new Caller(result.principal()));
        return null;
    }

    private static Response unauthorized(Authentication result) {
        return Response.status(401)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .entity(ApiError.of("Authentication required.", result.failure()))
                .build();
    }
}
