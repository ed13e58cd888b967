package io.aibridge.identity;

import java.util.function.Function;

/**
 * Where a caller's token is read from, in this order: {@code Authorization: Bearer <token>}
 * (scheme case-insensitive, exactly two fields), {@code X-Api-Key}, {@code Coder-Session-Token}.
 */
public final class TokenHeaders {

    public static final String AUTHORIZATION = "Authorization";
    public static final String X_API_KEY = "X-Api-Key";
    public static final String CODER_SESSION_TOKEN = "Coder-Session-Token";

    private TokenHeaders() {
    }

    /** The token, or null when none of the headers carries one. */
    public static String token(Function<String, String> header) {
        String authorization = header.apply(AUTHORIZATION);
        if (authorization != null) {
            String[] parts = authorization.trim().split(" ");
            if (parts.length == 2 && parts[0].equalsIgnoreCase("bearer") && !parts[1].isBlank()) {
                return parts[1];
            }
        }
        String apiKey = header.apply(X_API_KEY);
        if (apiKey != null && !apiKey.isBlank()) {
            return apiKey.trim();
        }
        String session = header.apply(CODER_SESSION_TOKEN);
        return session == null || session.isBlank() ? null : session.trim();
    }
}
