package io.aibridge.query.db;

import io.aibridge.query.QueryConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The bounds on a response's free texts ({@code AIBRIDGE_QUERY_MAX_FIELD_CHARS},
 * {@code AIBRIDGE_QUERY_MAX_RESPONSE_CHARS}), read once at start: a value out of range stops the start.
 */
@ApplicationScoped
@Startup
public class TextLimits {

    /** PostgreSQL's largest text is 1 GB. */
    static final int MAX_FIELD_CHARS = 1 << 30;

    /**
     * The most extra token types one {@code token_usage} of the session detail sums: the types
     * carried by the most token rows, then by name. The events bound neither how many types a token
     * usage carries nor their names, and each sum of the detail (session, thread, agentic action)
     * holds every type of its rows; the providers send a handful (the reference names 3 to 6).
     */
    public static final int MAX_TOKEN_TYPES = 64;

    /** The longest extra token type (nested keys joined with dots) that is summed; a longer one is left out. */
    public static final int MAX_TOKEN_TYPE_CHARS = 256;

    private final int fieldChars;
    private final long responseChars;

    public TextLimits(QueryConfig config) {
        this.fieldChars = config.texts().maxFieldChars();
        this.responseChars = config.texts().maxResponseChars();
        if (fieldChars < 1 || fieldChars > MAX_FIELD_CHARS) {
            throw new IllegalArgumentException("AIBRIDGE_QUERY_MAX_FIELD_CHARS (query.texts.max-field-chars) must be between 1 and "
                    + MAX_FIELD_CHARS + ", not " + fieldChars);
        }
        if (responseChars < 0) {
            throw new IllegalArgumentException("AIBRIDGE_QUERY_MAX_RESPONSE_CHARS (query.texts.max-response-chars) must not be negative, not "
                    + responseChars);
        }
    }

    /** A new budget for one response. */
    public TextBudget budget() {
        return new TextBudget(fieldChars, responseChars);
    }
}
