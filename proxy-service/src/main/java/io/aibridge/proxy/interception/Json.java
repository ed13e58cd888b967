package io.aibridge.proxy.interception;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aibridge.proxy.sse.SseEvent;

import java.io.IOException;
import java.util.Set;

/** JSON reading for the proxy: exact numbers (a body the proxy re-writes keeps its decimals), never throws on bad input. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** A client's request body: one JSON value and nothing after it (a lenient reader would ignore trailing data). */
    public static final ObjectReader REQUEST_BODY = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A request body larger than this takes milliseconds to parse: it is parsed on a worker thread, off the event loop. */
    public static final int PARSE_ON_WORKER_BYTES = 256 * 1024;

    private Json() {
    }

    /** A client's parsed request body, or the message saying why it is not JSON. */
    public record Parsed(JsonNode body, String error) {
    }

    /** Reads a client's request body ({@link #REQUEST_BODY}); a body that is not JSON gets the parser's first line of complaint. */
    public static Parsed parseRequest(byte[] bytes) {
        try {
            return new Parsed(REQUEST_BODY.readTree(bytes), null);
        } catch (IOException e) {
            String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            return new Parsed(null, "the request body is not valid JSON: " + (message == null ? "malformed" : message.lines().findFirst().orElse("")));
        }
    }

    /** The event's data as JSON, or null when it is not JSON. */
    public static JsonNode parse(SseEvent event) {
        try {
            return MAPPER.readTree(event.data(), 0, event.dataLength());
        } catch (IOException e) {
            return null;
        }
    }

    /** A streamed delta's {@code type} and one of its text members; either may be null. */
    public record Delta(String type, String text) {
    }

    /**
     * The {@code delta} object of an event such as {@code {"type":"content_block_delta","index":0,
     * "delta":{"type":"input_json_delta","partial_json":"..."}}}: its {@code type} and the string
     * member {@code textMember}, read token by token (the bulk of a stream's events, where a tree
     * per event would be most of what the recording allocates). Null when the data is not JSON or
     * has no {@code delta} object.
     */
    public static Delta delta(SseEvent event, String textMember) {
        try (JsonParser parser = MAPPER.getFactory().createParser(event.data(), 0, event.dataLength())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean delta = "delta".equals(parser.currentName());
                if (parser.nextToken() == JsonToken.START_OBJECT && delta) {
                    return deltaMembers(parser, textMember);
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Delta deltaMembers(JsonParser parser, String textMember) throws IOException {
        String type = null;
        String text = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (value == JsonToken.VALUE_STRING && name.equals("type")) {
                type = parser.getText();
            } else if (value == JsonToken.VALUE_STRING && name.equals(textMember)) {
                text = parser.getText();
            } else {
                parser.skipChildren();
            }
        }
        return new Delta(type, text);
    }

    /**
     * True when the event's JSON has, at any depth, a member named in {@code names} whose value is
     * not {@code null}; also true when the data is not JSON (the caller's full parse decides). Read
     * token by token, strings skipped undecoded: it tells a chunk that only carries text apart
     * without a tree.
     */
    public static boolean hasNonNullMember(SseEvent event, Set<String> names) {
        try (JsonParser parser = MAPPER.getFactory().createParser(event.data(), 0, event.dataLength())) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME && names.contains(parser.currentName()) && parser.nextToken() != JsonToken.VALUE_NULL) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    public static JsonNode parse(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    /** Arguments as recorded: compact JSON when they parse, else the raw text. */
    public static String normalize(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return arguments == null ? "" : arguments;
        }
        try {
            return MAPPER.writeValueAsString(MAPPER.readTree(arguments));
        } catch (IOException e) {
            return arguments;
        }
    }

    public static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    /** A non-negative integer field, 0 when absent. */
    public static long count(JsonNode parent, String field) {
        return Math.max(0, reported(parent, field));
    }

    /** A non-negative integer field, or -1 when the provider did not report it (absent, null, not a number). */
    public static long reported(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.canConvertToLong() ? Math.max(0, n.asLong()) : -1;
    }
}
