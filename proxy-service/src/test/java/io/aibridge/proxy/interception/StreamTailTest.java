package io.aibridge.proxy.interception;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StreamTailTest {

    private static final byte[] FRAME = "event: ping\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void aStreamWithNothingRelayedYetTakesAFrameAsItIs() {
        StreamTail tail = new StreamTail();
        assertThat(tail.atEventBoundary()).isTrue();
        assertThat(tail.ownFrame(FRAME).toString()).isEqualTo("event: ping\ndata: {}\n\n");
    }

    @Test
    void aBlankLineInAnyOfTheThreeLineEndingsEndsAnEvent() {
        for (String ending : new String[] {"\n\n", "\r\r", "\r\n\r\n"}) {
            StreamTail tail = new StreamTail();
            tail.relayed(Buffer.buffer("event: message_stop\ndata: {\"type\":\"message_stop\"}" + ending));
            assertThat(tail.atEventBoundary()).as(ending.replace("\r", "\\r").replace("\n", "\\n")).isTrue();
        }
    }

    @Test
    void aChunkThatStopsInsideAnEventGetsTheFrameAfterABlankLine() {
        StreamTail tail = new StreamTail();
        tail.relayed(Buffer.buffer("event: content_block_delta\ndata: {\"type\":\"content_blo"));
        assertThat(tail.atEventBoundary()).isFalse();
        assertThat(tail.ownFrame(FRAME).toString()).isEqualTo("\n\nevent: ping\ndata: {}\n\n");

        tail.relayed(Buffer.buffer("event: ping\n")); // a line ended, the event not
        assertThat(tail.atEventBoundary()).isFalse();
        tail.relayed(Buffer.buffer("data: {}\r\n"));
        assertThat(tail.atEventBoundary()).isFalse();
    }

    @Test
    void theBlankLineMayBeSplitOverChunksEvenOneByteEach() {
        StreamTail tail = new StreamTail();
        tail.relayed(Buffer.buffer("data: {}\r"));
        tail.relayed(Buffer.buffer("\n"));
        tail.relayed(Buffer.buffer("\r"));
        assertThat(tail.atEventBoundary()).isFalse();
        tail.relayed(Buffer.buffer("\n"));
        assertThat(tail.atEventBoundary()).isTrue();
        tail.relayed(Buffer.buffer(new byte[0]));
        assertThat(tail.atEventBoundary()).isTrue();
        tail.relayed(Buffer.buffer("d"));
        assertThat(tail.atEventBoundary()).isFalse();
    }
}
