package io.aibridge.identity;

import java.util.Optional;

/**
 * The outcome of authenticating a token. {@link #failure()} is a message safe to show the caller;
 * it never echoes the token.
 */
public record Authentication(Principal principal, Outcome outcome) {

    /** Why authentication succeeded or failed. */
    public enum Outcome {
        AUTHENTICATED("authenticated"),
        MISSING("no authentication key provided"),
        UNKNOWN_KEY("invalid API key"),
        REVOKED("API key has been revoked"),
        EXPIRED("API key has expired"),
        USER_INACTIVE("user is suspended or does not exist");

        private final String message;

        Outcome(String message) {
            this.message = message;
        }

        public String message() {
            return message;
        }
    }

    static Authentication of(Principal principal) {
        return new Authentication(principal, Outcome.AUTHENTICATED);
    }

    static Authentication failed(Outcome outcome) {
        return new Authentication(null, outcome);
    }

    public boolean authenticated() {
        return outcome == Outcome.AUTHENTICATED;
    }

    public Optional<Principal> asOptional() {
        return Optional.ofNullable(principal);
    }

    /** The message for the caller when authentication failed. */
    public String failure() {
        return outcome.message();
    }
}
