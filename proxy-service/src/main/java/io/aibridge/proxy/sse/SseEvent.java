package io.aibridge.proxy.sse;

import java.nio.charset.StandardCharsets;

/**
 * One decoded server-sent event. The instance is reused by the decoder: read it inside the
 * callback, never keep it.
 */
public final class SseEvent {

    String event;
    byte[] data = new byte[256];
    int dataLength;
    boolean hasData;

    /** The {@code event:} field, or null when the frame had none. */
    public String event() {
        return event;
    }

    /** The raw bytes of the joined {@code data:} lines (valid up to {@link #dataLength()}). */
    public byte[] data() {
        return data;
    }

    public int dataLength() {
        return dataLength;
    }

    public boolean hasData() {
        return hasData;
    }

    public String dataAsString() {
        return new String(data, 0, dataLength, StandardCharsets.UTF_8);
    }

    /** True when the data is exactly the given ASCII text, e.g. {@code [DONE]}. */
    public boolean dataEquals(String ascii) {
        if (ascii.length() != dataLength) {
            return false;
        }
        for (int i = 0; i < dataLength; i++) {
            if (data[i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    void reset() {
        event = null;
        dataLength = 0;
        hasData = false;
    }

    void appendData(byte[] src, int from, int length) {
        if (hasData) {
            ensure(1);
            data[dataLength++] = '\n';
        }
        ensure(length);
        System.arraycopy(src, from, data, dataLength, length);
        dataLength += length;
        hasData = true;
    }

    private void ensure(int extra) {
        if (dataLength + extra > data.length) {
            byte[] bigger = new byte[Math.max(data.length * 2, dataLength + extra)];
            System.arraycopy(data, 0, bigger, 0, dataLength);
            data = bigger;
        }
    }
}
