package io.aibridge.proxy.interception;

import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The reads of a streamed event's JSON that build no tree: {@link Json#delta} and {@link Json#hasNonNullMember}. */
class JsonTokenReadTest {

    private static <T> T read(String data, Function<SseEvent, T> reader) {
        List<T> seen = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(event -> {
            seen.add(reader.apply(event));
            return null;
        }, false, 1 << 20);
        decoder.feed(("event: content_block_delta\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        assertThat(seen).hasSize(1);
        return seen.get(0);
    }

    private static Json.Delta delta(String data, String member) {
        return read(data, event -> Json.delta(event, member));
    }

    private static boolean recorded(String data) {
        return read(data, event -> Json.hasNonNullMember(event, Set.of("tool_calls", "finish_reason", "usage", "error")));
    }

    @Test
    void aChatChunkWithOnlyTextHasNoMemberTheRecordingReads() {
        String text = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                + "\"say \\\"usage\\\": 1, tool_calls\"},\"logprobs\":null,\"finish_reason\":null}]";
        assertThat(recorded(text + "}")).isFalse();
        assertThat(recorded(text + ",\"usage\":null}")).isFalse();
        assertThat(recorded(text + ",\"usage\":{\"prompt_tokens\":3}}")).isTrue();
        assertThat(recorded("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\"}}]},"
                + "\"finish_reason\":null}]}")).isTrue();
        assertThat(recorded("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}")).isTrue();
        assertThat(recorded("{\"error\":{\"message\":\"overloaded\"}}")).isTrue();
        assertThat(recorded("{\"choices\":[{\"delta\":{\"content\":\"cut")).as("not JSON: the full parse decides").isTrue();
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
