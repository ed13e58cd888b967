package io.aibridge.cli.text;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small formatting helpers for terminal output. */
public final class Format {

    private Format() {
    }

    /** {@code 1234567} as {@code 1,234,567}. */
    public static String number(long n) {
        return String.format(Locale.US, "%,d", n);
    }

    /** A JSON number field as {@code 1,234}; empty when absent. */
    public static String number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : number(v.asLong());
    }

    /** Seconds as {@code 45s}, {@code 3m20s}, {@code 2h05m}, {@code 3d04h}. */
    public static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + String.format("%02ds", seconds % 60);
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h" + String.format("%02dm", seconds % 3600 / 60);
        }
        return seconds / 86400 + "d" + String.format("%02dh", seconds % 86400 / 3600);
    }

    /** Milliseconds between two API times as a duration; empty when either is missing. */
    public static String between(JsonNode from, JsonNode to) {
        Instant a = instant(from);
        Instant b = instant(to);
        if (a == null || b == null) {
            return "";
        }
        Duration d = Duration.between(a, b);
        return d.toMillis() < 1000 ? d.toMillis() + "ms" : duration(d.toSeconds());
    }

    /** An API time to the second ({@code 2026-03-02T10:00:00Z}); the text as is if it is not a time. */
    public static String time(JsonNode value) {
        Instant t = instant(value);
        if (t == null) {
            return value == null || value.isNull() ? "" : safe(value.asText());
        }
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static Instant instant(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Text on one line: line breaks, tabs and other white space become spaces, runs of spaces one
     * space; the remaining control characters are shown escaped ({@link #safe}).
     */
    public static String oneLine(String text) {
        return text == null ? "" : safe(text.replaceAll("[\\s\\u001c-\\u001f]+", " ").strip());
    }

    /**
     * Text on one line as it is laid out: {@link #safe}, with each line break or tab a space (runs of
     * spaces stay, so columns the caller aligned stay aligned).
     */
    public static String flat(String text) {
        return safe(text).replace("\r\n", " ").replace('\n', ' ').replace('\t', ' ');
    }

    /**
     * Text from the server made safe for a terminal: every control character but line feed and tab
     * (C0, DEL, C1) and every bidirectional embedding, override and isolate control is replaced by
     * a visible escape such as {@code \x1b} or {@code \u202e}, so that recorded text can neither
     * drive the terminal (an escape sequence may recolour it, clear it or set the clipboard) nor
     * display in another order than it is stored. CR LF becomes LF. Null is empty.
     */
    public static String safe(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean unsafe = c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f && c <= 0x9f
                    || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069;
            if (!unsafe) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                continue;
            }
            out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
        }
        return out == null ? text : out.toString();
    }

    /** At most {@code max} characters, with an ellipsis when cut. */
    public static String truncate(String text, int max) {
        if (text == null) {
            return "";
        }
        if (text.codePointCount(0, text.length()) <= max) {
            return text;
        }
        int end = text.offsetByCodePoints(0, Math.max(0, max - 1));
        return text.substring(0, end) + "…";
    }

    /** A JSON string array as {@code a, b}. */
    public static String list(JsonNode array) {
        List<String> values = new ArrayList<>();
        for (JsonNode v : array) {
            values.add(safe(v.asText()));
        }
        return String.join(", ", values);
    }

    /** A text field, made {@link #safe} for a terminal; empty when absent. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : safe(v.asText());
    }
}
