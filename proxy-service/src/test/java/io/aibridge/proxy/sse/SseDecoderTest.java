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

    @Test
    void inRewriteModeAFrameOverTheLimitIsRelayedAsItArrivesAndTheNextOneIsRewrittenAsUsual() {
        List<String> seen = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(e -> {
            seen.add(e.dataAsString());
            return e.dataAsString().equals("swap") ? "data: swapped\n\n".getBytes(StandardCharsets.UTF_8) : null;
        }, true, 1024);
        // 10 KB without a line end, 500 bytes at a time: each chunk is relayed by the time the limit is passed
        byte[] endless = ("data: " + "x".repeat(10 * 1024 - 6)).getBytes(StandardCharsets.UTF_8);
        StringBuilder relayed = new StringBuilder();
        int fed = 0;
        for (int i = 0; i < endless.length; i += 500) {
            byte[] chunk = Arrays.copyOfRange(endless, i, Math.min(endless.length, i + 500));
            byte[] out = decoder.feed(chunk);
            fed += chunk.length;
            relayed.append(new String(out, StandardCharsets.UTF_8));
            assertThat(decoder.bufferedBytes()).as("held after %d bytes", fed).isLessThanOrEqualTo(1024);
            assertThat(relayed.length() + decoder.bufferedBytes()).as("nothing lost or doubled").isEqualTo(fed);
            if (fed - chunk.length > 1024) {
                assertThat(out).as("relayed as it arrives, once past the limit").hasSize(chunk.length);
            }
        }
        relayed.append(new String(decoder.feed("\n\ndata: swap\n\ndata: keep\n\n".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8));
        relayed.append(new String(decoder.finish(), StandardCharsets.UTF_8));
        assertThat(relayed.toString()).isEqualTo(new String(endless, StandardCharsets.UTF_8) + "\n\ndata: swapped\n\ndata: keep\n\n");
        assertThat(seen).as("the oversized frame is not an event").containsExactly("swap", "keep");
        assertThat(decoder.oversizedEvents()).isEqualTo(1);
    }

    @Test
    void inRewriteModeOneHugeEventWithManyLinesIsRelayedUnchanged() {
        SseDecoder decoder = new SseDecoder(e -> SseDecoder.DROP, true, 256);
        String huge = "data: " + "y".repeat(100) + "\n";
        String frame = huge.repeat(20) + "\n";
        StringBuilder relayed = new StringBuilder();
        for (String line : frame.split("(?<=\n)")) {
            relayed.append(new String(decoder.feed(line.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
            assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(256);
        }
        relayed.append(new String(decoder.feed("data: small\n\n".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        assertThat(relayed.toString()).as("too big to drop; the small one after it is dropped").isEqualTo(frame);
    }
}
