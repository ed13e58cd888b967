package io.aibridge.proxy.interception;

import io.aibridge.proxy.sse.SseDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Json#delta}: a streamed delta's type and text, read without a tree. */
class JsonDeltaTest {

    private static Json.Delta delta(String data, String member) {
        List<Json.Delta> seen = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(event -> {
            seen.add(Json.delta(event, member));
            return null;
        }, false, 1 << 20);
        decoder.feed(("event: content_block_delta\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        assertThat(seen).hasSize(1);
        return seen.get(0);
    }

    @Test
    void readsTheTypeAndTheTextOfAToolArgumentOrAThinkingDelta() {
        assertThat(delta("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"{\\\"path\\\": \\\"src/\\u00e9\"}}", "partial_json"))
                .isEqualTo(new Json.Delta("input_json_delta", "{\"path\": \"src/é"));
        assertThat(delta("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me\"}}",
                "thinking")).isEqualTo(new Json.Delta("thinking_delta", "Let me"));
    }

    @Test
    void skipsWhateverComesBeforeAndInsideTheDeltaAndKeepsOnlyStrings() {
        assertThat(delta("{\"meta\":{\"a\":[1,{\"delta\":\"no\"}]},\"delta\":{\"extra\":{\"type\":\"inner\"},\"partial_json\":42,"
                + "\"type\":\"input_json_delta\"},\"after\":1}", "partial_json"))
                .isEqualTo(new Json.Delta("input_json_delta", null));
        assertThat(delta("{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"signature_delta\",\"signature\":\"abc\"}}", "thinking"))
                .isEqualTo(new Json.Delta("signature_delta", null));
    }

    @Test
    void nullWhenTheDataIsNotJsonOrHasNoDeltaObject() {
        assertThat(delta("{\"type\":\"content_block_delta\",\"delta\":\"text\"}", "partial_json")).isNull();
        assertThat(delta("{\"type\":\"ping\"}", "partial_json")).isNull();
        assertThat(delta("[1,2]", "partial_json")).isNull();
        assertThat(delta("{\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a", "partial_json")).isNull();
        assertThat(delta("not json", "partial_json")).isNull();
    }
}
