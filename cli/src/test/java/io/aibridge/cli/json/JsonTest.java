package io.aibridge.cli.json;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The output of Go's {@code json.Encoder} with {@code SetIndent("", "  ")}, byte for byte. */
class JsonTest {

    @Test
    void indentsLikeGoWithEmptyContainersClosedOnTheSameLine() throws Exception {
        JsonNode node = Json.MAPPER.readTree("[{\"id\":\"x\",\"tokens\":[],\"meta\":{},\"n\":[1,2],\"o\":{\"a\":null,\"b\":true}}]");

        assertThat(indented(node)).isEqualTo("""
                [
                  {
                    "id": "x",
                    "tokens": [],
                    "meta": {},
                    "n": [
                      1,
                      2
                    ],
                    "o": {
                      "a": null,
                      "b": true
                    }
                  }
                ]
                """);
    }

    @Test
    void escapesHtmlCharactersLineSeparatorsAndControlCharactersAsGoDoes() throws Exception {
        JsonNode node = Json.MAPPER.readTree("\"<a href=\\\"x\\\">&amp;</a>\\n\\t\\u0001\\u001f\\u2028\\u2029 é ✓ \\\\\"");

        assertThat(indented(node)).isEqualTo("\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\\n\\t\\u0001\\u001f\\u2028\\u2029 é ✓ \\\\\"\n");
    }

    @Test
    void numbersKeepTheirDigits() throws Exception {
        JsonNode node = Json.MAPPER.readTree("[12345678901234567890, 0.1, 1.10, 1e3, -0]");

        assertThat(indented(node)).isEqualTo("[\n  12345678901234567890,\n  0.1,\n  1.10,\n  1000,\n  0\n]\n");
    }

    @Test
    void anEmptyArrayIsOneLine() throws Exception {
        assertThat(indented(Json.MAPPER.readTree("[]"))).isEqualTo("[]\n");
    }

    private static String indented(JsonNode node) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.writeIndented(node, out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
