package io.aibridge.recorder.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.aibridge.events.EventCodec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes text storable in PostgreSQL. PostgreSQL text and jsonb cannot hold the NUL character
 * (U+0000), which JSON allows; a prompt or tool input containing one would otherwise be refused
 * for ever. NUL becomes U+FFFD, the replacement character, and nothing else changes.
 */
public final class Text {

    private static final char NUL = '\u0000';
    private static final char REPLACEMENT = '\uFFFD';

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

    /** The text cut to at most {@code max} characters (for varchar columns); null stays null. */
    public static String atMost(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
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
