package io.aibridge.proxy.sse;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The incremental decoder against every way a stream can be cut into chunks. */
class SseDecoderTest {

    private static final String STREAM = "event: message_start\ndata: {\"a\":\"é☀️\"}\n\n"
            + ": a comment\n\n"
            + "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
            + "data: line one\ndata: line two\n\n"
            + "data: [DONE]\r\r";

    private static List<String> decode(byte[] bytes, int chunk) {
        List<String> out = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(e -> {
            out.add(e.event() + "|" + e.dataAsString());
            return null;
        }, false, 1024);
        for (int i = 0; i < bytes.length; i += chunk) {
            decoder.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk)));
        }
        decoder.finish();
        return out;
    }

    @Test
    void decodesTheSameEventsWhateverTheChunkSize() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        List<String> expected = List.of("message_start|{\"a\":\"é☀️\"}", "ping|{\"type\": \"ping\"}", "null|line one\nline two", "null|[DONE]");
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            assertThat(decode(bytes, chunk)).as("chunk size %d", chunk).isEqualTo(expected);
        }
    }

    @Test
    void anUnterminatedLastFrameIsNotAnEvent() {
        assertThat(decode("data: {\"x\":1}\n\ndata: {\"cut".getBytes(StandardCharsets.UTF_8), 4)).containsExactly("null|{\"x\":1}");
    }

    @Test
    void skipsEventsLargerThanTheLimitAndGoesOn() {
        List<String> out = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(e -> {
            out.add(e.dataAsString());
            return null;
        }, false, 16);
        decoder.feed(("data: " + "x".repeat(100) + "\n\ndata: small\n\n").getBytes(StandardCharsets.UTF_8));
        assertThat(out).containsExactly("small");
        assertThat(decoder.oversizedEvents()).isEqualTo(1);
    }

    @Test
    void inRewriteModeRelaysWholeFramesDropsOrReplacesThem() {
        SseDecoder decoder = new SseDecoder(e -> {
            String data = e.dataAsString();
            if (data.equals("drop")) {
                return SseDecoder.DROP;
            }
            return data.equals("swap") ? "data: swapped\n\n".getBytes(StandardCharsets.UTF_8) : null;
        }, true, 1024);
        StringBuilder relayed = new StringBuilder();
        byte[] bytes = "data: keep\n\ndata: drop\n\ndata: swap\n\ndata: tail".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 5) {
            relayed.append(new String(decoder.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 5))), StandardCharsets.UTF_8));
        }
        relayed.append(new String(decoder.finish(), StandardCharsets.UTF_8));
        assertThat(relayed.toString()).isEqualTo("data: keep\n\ndata: swapped\n\ndata: tail");
    }
}
