package io.aibridge.events;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Validation and normalisation shared by the event records' constructors. */
final class Fields {

    /** Longest client session id that is kept; longer ones are truncated (the reference failed the request). */
    static final int MAX_CLIENT_SESSION_ID = 256;
    /** Longest masked credential hint ({@code sk-a...wxyz} is 11). */
    static final int MAX_CREDENTIAL_HINT = 15;

    private Fields() {
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    static String requiredText(String value, String field) {
        if (required(value, field).isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        return value;
    }

    /** PostgreSQL keeps microseconds; every timestamp is cut there so all copies of a time compare equal. */
    static Instant micros(Instant value, String field) {
        return required(value, field).truncatedTo(ChronoUnit.MICROS);
    }

    static Instant microsOrNull(Instant value) {
        return value == null ? null : value.truncatedTo(ChronoUnit.MICROS);
    }

    static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative");
        }
        return value;
    }

    /** Blank becomes null, the rest is trimmed and cut to {@code max} characters. */
    static String trimmedOrNull(String value, int max) {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.isEmpty()) {
            return null;
        }
        return trimmed.length() > max ? trimmed.substring(0, max) : trimmed;
    }

    /** A masked credential hint, or null: refuses anything longer than a hint, which could be a secret. */
    static String credentialHint(String value) {
        if (value != null && value.length() > MAX_CREDENTIAL_HINT) {
            throw new IllegalArgumentException("credential_hint is longer than " + MAX_CREDENTIAL_HINT
                    + " characters: it must be a masked hint, never a secret");
        }
        return value;
    }

    static String emptyIfNull(String value) {
        return value == null ? "" : value;
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** An unmodifiable copy that keeps insertion order; null becomes empty. */
    static <V> Map<String, V> map(Map<String, V> value) {
        return value == null || value.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(value));
    }
}
