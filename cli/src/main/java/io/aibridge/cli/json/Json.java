package io.aibridge.cli.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * JSON in and out. Values pass through untouched: numbers keep their digits (floats as exact
 * decimals, written plain), field order is the server's.
 */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    // Go's encoding/json escapes <, > and & (and U+2028/9) by default; the reference CLI prints with it
    private static final JsonFactory GO_FACTORY = MAPPER.getFactory().copy().setCharacterEscapes(new GoStringEscapes());

    private Json() {
    }

    public static JsonNode read(InputStream in) throws IOException {
        return MAPPER.readTree(in);
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code node} the way Go's {@code json.Encoder} with {@code SetIndent("", "  ")} does
     * (what {@code coder aibridge interceptions list} prints): two-space indentation,
     * {@code "key": value}, {@code []} and {@code {}} when empty, HTML characters escaped, and a
     * final newline.
     */
    public static void writeIndented(JsonNode node, OutputStream out) {
        try (JsonGenerator g = GO_FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.setPrettyPrinter(new GoIndentPrinter());
            MAPPER.writeTree(g, node);
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One value on one line, without a line break (JSON Lines). */
    public static void writeCompact(JsonNode node, OutputStream out) throws IOException {
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            MAPPER.writeTree(g, node);
        }
    }
}
