package io.aibridge.proxy.interception;

import io.vertx.core.buffer.Buffer;

/**
 * The last bytes relayed to a streaming client, enough to tell whether they end an SSE event (a
 * blank line: {@code \n\n}, {@code \r\r} or {@code \r\n\r\n}). The relay passes the provider's
 * bytes on as they come, so a chunk can end inside an event; a frame of the proxy's own (a
 * keep-alive, the error that ends a broken stream) must not be glued to half an event, where the
 * client would read both as one unparseable event.
 */
final class StreamTail {

    /** The last four bytes, newest in the low byte; a blank line before anything is relayed. */
    private int tail = '\n' << 8 | '\n';

    /** Notes a chunk that went to the client. */
    void relayed(Buffer chunk) {
        int n = chunk.length();
        for (int i = Math.max(0, n - 4); i < n; i++) {
            tail = tail << 8 | chunk.getByte(i) & 0xFF;
        }
    }

    /** True when what was relayed ends an event (or nothing was), so that a whole frame can follow. */
    boolean atEventBoundary() {
        int last = tail & 0xFF;
        int before = tail >>> 8 & 0xFF;
        return last == '\n' && before == '\n' || last == '\r' && before == '\r' || tail == 0x0D0A0D0A;
    }

    /**
     * A frame of the proxy's own, to follow what was relayed: after a blank line when the relayed
     * bytes stopped inside an event, which ends that event (the client drops or fails it, as it
     * is cut) so that this frame is read on its own.
     */
    Buffer ownFrame(byte[] frame) {
        return atEventBoundary() ? Buffer.buffer(frame) : Buffer.buffer(frame.length + 2).appendString("\n\n").appendBytes(frame);
    }
}
