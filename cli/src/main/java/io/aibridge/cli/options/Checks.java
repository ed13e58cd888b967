package io.aibridge.cli.options;

import io.aibridge.cli.CliException;

import java.util.Locale;
import java.util.regex.Pattern;

/** Client-side checks of flag values; each failure is a one-line usage error (exit 1). */
public final class Checks {

    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern UUID_HEX = Pattern.compile("[0-9a-fA-F]{32}");
    // the API's usernames: 1-64 letters, digits, '.', '_', '-', starting and ending with a letter or digit
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?");
    /** The longest value the API takes in a query parameter or path segment. */
    public static final int MAX_VALUE = 256;

    private Checks() {
    }

    /**
     * A UUID in its canonical lower-case form. Accepts the forms Go's {@code uuid.Parse} does (the
     * reference CLI's parser): hyphenated, 32 hex digits, braces, {@code urn:uuid:}.
     */
    public static String uuid(String flag, String value) {
        String v = value == null ? "" : value.trim();
        if (v.regionMatches(true, 0, "urn:uuid:", 0, 9)) {
            v = v.substring(9);
        } else if (v.startsWith("{") && v.endsWith("}")) {
            v = v.substring(1, v.length() - 1);
        }
        if (UUID_HEX.matcher(v).matches()) {
            v = v.substring(0, 8) + "-" + v.substring(8, 12) + "-" + v.substring(12, 16) + "-" + v.substring(16, 20) + "-" + v.substring(20);
        }
        if (!UUID.matcher(v).matches()) {
            throw CliException.usage("invalid " + flag + " \"" + value + "\": expected a UUID such as 0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21");
        }
        return v.toLowerCase(Locale.ROOT);
    }

    /** A free-text value: no control characters, at most {@link #MAX_VALUE} characters; null stays null. */
    public static String text(String flag, String value) {
        if (value == null) {
            return null;
        }
        if (value.length() > MAX_VALUE) {
            throw CliException.usage("invalid " + flag + ": longer than " + MAX_VALUE + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw CliException.usage("invalid " + flag + ": contains a control character");
            }
        }
        return value;
    }

    /** A required, non-blank argument. */
    public static String required(String what, String value) {
        String v = text(what, value);
        if (v == null || v.isBlank()) {
            throw CliException.usage(what + " must not be empty");
        }
        return v.trim();
    }

    public static String username(String flag, String value) {
        String v = required(flag, value);
        if (!USERNAME.matcher(v).matches()) {
            throw CliException.usage("invalid " + flag + " \"" + v + "\": use 1 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit");
        }
        if (v.equalsIgnoreCase("me") || UUID.matcher(v).matches()) {
            throw CliException.usage("invalid " + flag + " \"" + v + "\": \"me\" and UUIDs are reserved");
        }
        return v;
    }

    public static int range(String message, int value, int min, int max) {
        if (value < min || value > max) {
            throw CliException.usage(message);
        }
        return value;
    }
}
