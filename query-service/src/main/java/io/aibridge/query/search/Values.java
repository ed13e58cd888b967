package io.aibridge.query.search;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Checks shared by every input: lengths, control characters, UUID syntax. */
public final class Values {

    private static final Pattern UUID_SYNTAX =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Values() {
    }

    /**
     * What is wrong with a value, if anything: too long, or containing control characters
     * (PostgreSQL text cannot hold NUL, and no name, model or id contains any).
     */
    public static Optional<String> problem(String value, int maxLength) {
        if (value.length() > maxLength) {
            return Optional.of("must be at most " + maxLength + " characters long");
        }
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (Character.isISOControl(ch) && ch != '\t') {
                return Optional.of("must not contain control characters");
            }
            if (Character.isHighSurrogate(ch) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++; // a well-formed pair
            } else if (Character.isSurrogate(ch)) {
                return Optional.of("must be valid UTF-8 text");
            }
        }
        return Optional.empty();
    }

    /** A strictly formatted UUID (java.util.UUID.fromString alone accepts forms like 1-1-1-1-1). */
    public static Optional<UUID> uuid(String value) {
        if (value == null || !UUID_SYNTAX.matcher(value).matches()) {
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(value));
    }

    /** A value safe to echo in an error message: control characters replaced, length capped. */
    public static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(64).forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        if (value.codePointCount(0, value.length()) > 64) {
            out.append("...");
        }
        return out.toString();
    }
}
