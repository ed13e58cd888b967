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
            return value == null || value.isNull() ? "" : value.asText();
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

    /** Text on one line: line breaks and tabs become spaces, runs of spaces one space. */
    public static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("[\\s\\u0000-\\u001f]+", " ").strip();
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
            values.add(v.asText());
        }
        return String.join(", ", values);
    }

    /** A text field; empty when absent. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }
}
