package io.aibridge.recorder.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.aibridge.events.EventCodec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes text storable in PostgreSQL. PostgreSQL text and jsonb cannot hold the NUL character
 * (U+0000), which JSON allows; a prompt or tool input containing one would otherwise be refused
 * for ever. NUL becomes U+FFFD, the replacement character, and nothing else changes. Text that
 * goes into an index is cut ({@link #atMost}, {@link #atMostDistinct}): a B-tree entry must stay
 * under about 2,700 bytes, and PostgreSQL refuses a longer one on every attempt.
 */
public final class Text {

    private static final char NUL = '\u0000';
    private static final char REPLACEMENT = '\uFFFD';
    /** {@code ~} and 64 hex digits. */
    private static final int DIGEST_SUFFIX = 65;

    private Text() {
    }

    /** The text with every NUL replaced; null stays null. */
    public static String storable(Object value) {
        if (value == null) {
            return null;
        }
        String text = value.toString();
        return text.indexOf(NUL) < 0 ? text : text.replace(NUL, REPLACEMENT);
    }

    /**
     * The text cut to at most {@code max} characters (for varchar columns and indexed text); null
     * stays null. A surrogate pair is never split: the cut may then be one character shorter.
     */
    public static String atMost(String value, int max) {
        if (value == null || value.length() <= max) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
        return value.substring(0, end);
    }

    /**
     * Like {@link #atMost}, but two different texts stay different: a text over {@code max}
     * characters becomes its first characters, {@code ~} and the hex SHA-256 of the whole text,
     * {@code max} characters at most. For keys compared for equality (tool-call ids): the same
     * long id always gives the same result, so a cut id still matches the same id cut elsewhere.
     */
    public static String atMostDistinct(String value, int max) {
        if (value == null || value.length() <= max) {
            return value;
        }
        if (max <= DIGEST_SUFFIX) {
            throw new IllegalArgumentException("max must be longer than the digest suffix");
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        return atMost(value, max - DIGEST_SUFFIX) + "~" + HexFormat.of().formatHex(digest);
    }

    /** A metadata map as jsonb text ({@code {}} when empty), with NUL replaced in keys and values. */
    public static String json(Map<String, ?> map) {
        if (map == null || map.isEmpty()) {
            return "{}";
        }
        try {
            String json = EventCodec.json().writeValueAsString(map);
            // Jackson writes NUL as the escape \u0000; only then is the slower clean-up needed.
            return json.contains("\\u0000") ? EventCodec.json().writeValueAsString(clean(map)) : json;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Object clean(Object value) {
        if (value instanceof String s) {
            return storable(s);
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(storable(k), clean(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(clean(v)));
            return out;
        }
        return value;
    }
}
