package io.aibridge.proxy.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental server-sent-events decoder over bytes as they arrive. Frames and lines may be
 * split anywhere across chunks, multi-byte UTF-8 characters included: lines are collected as bytes
 * and only complete events are handed out. Lines end with LF, CRLF or CR (the SSE grammar).
 *
 * <p>With {@code rewrite} on, the decoder also keeps each frame's raw bytes so that the listener
 * can relay, replace or drop whole frames; otherwise it only observes.
 *
 * <p>Memory is bounded: an event larger than {@code maxEventBytes} is skipped (reported through
 * {@link #oversizedEvents()}) instead of growing without limit. In rewrite mode, a frame whose raw
 * bytes outgrow {@code maxEventBytes} (one huge event, or bytes that never reach a blank line) is
 * relayed unchanged: what was held goes out at once, and the rest of the frame as it arrives, until
 * its blank line. Not thread-safe.
 */
public final class SseDecoder {

    /** Decision of a rewriting listener about one frame. */
    public interface Listener {
        /**
         * @return null to relay the frame's bytes unchanged, {@link #DROP} to drop it, or the bytes to send instead
         */
        byte[] onEvent(SseEvent event);
    }

    /** Returned by a listener to drop the frame. */
    public static final byte[] DROP = new byte[0];

    private static final int RAW_INITIAL = 1024;
    /** A frame buffer grown past this for one big frame is let go after it. */
    private static final int RAW_KEPT = 64 * 1024;

    private final Listener listener;
    private final boolean rewrite;
    private final int maxEventBytes;
    private final SseEvent event = new SseEvent();
    private byte[] line = new byte[512];
    private int lineLength;
    private boolean lineOverflow;
    private boolean eventOverflow;
    private boolean lastWasCr;
    /** Rewrite mode: the raw bytes of the frame being read, up to {@code maxEventBytes}. */
    private byte[] raw;
    private int rawLength;
    /** Rewrite mode: the frame being read outgrew {@code maxEventBytes}; its bytes pass straight through to its blank line. */
    private boolean passingThrough;
    private ByteArrayOutputStream out;
    private int oversized;

    public SseDecoder(Listener listener, boolean rewrite, int maxEventBytes) {
        this.listener = listener;
        this.rewrite = rewrite;
        this.maxEventBytes = maxEventBytes;
        this.raw = rewrite ? new byte[rawInitial()] : null;
    }

    private int rawInitial() {
        return Math.max(1, Math.min(RAW_INITIAL, maxEventBytes));
    }

    /**
     * Feeds the next bytes. Returns, in rewrite mode, the bytes to relay now (whole frames only; may
     * be empty); null otherwise.
     */
    public byte[] feed(byte[] bytes) {
        if (rewrite) {
            out = new ByteArrayOutputStream(bytes.length + 16);
        }
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (rewrite) {
                keepRaw(b);
            }
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false; // the LF of a CRLF: the line already ended at the CR
                    continue;
                }
                endLine();
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                appendToLine(b);
            }
        }
        return rewrite ? out.toByteArray() : null;
    }

    /**
     * The stream ended. A frame without its blank line is not an event (the SSE rule); in rewrite
     * mode its bytes are returned so they can still be relayed as they were.
     */
    public byte[] finish() {
        lineLength = 0;
        event.reset();
        passingThrough = false;
        eventOverflow = false;
        if (rewrite && rawLength > 0) {
            byte[] rest = Arrays.copyOf(raw, rawLength);
            rawLength = 0;
            return rest;
        }
        return rewrite ? new byte[0] : null;
    }

    /** Rewrite mode: the bytes of the current frame held back until its end (at most about {@code maxEventBytes}). */
    public int bufferedBytes() {
        return rawLength;
    }

    private void keepRaw(byte b) {
        if (passingThrough) {
            out.write(b);
            return;
        }
        if (rawLength == raw.length) {
            if (rawLength >= maxEventBytes) {
                // too big to rewrite: relay what is held as it came, and the rest of the frame as it comes
                out.write(raw, 0, rawLength);
                out.write(b);
                rawLength = 0;
                passingThrough = true;
                eventOverflow = true;
                return;
            }
            raw = Arrays.copyOf(raw, (int) Math.min(maxEventBytes, raw.length * 2L));
        }
        raw[rawLength++] = b;
    }

    /** Events skipped because they were larger than the limit. */
    public int oversizedEvents() {
        return oversized;
    }

    private void appendToLine(byte b) {
        if (lineOverflow) {
            return;
        }
        if (lineLength == line.length) {
            if (line.length >= maxEventBytes) {
                lineOverflow = true;
                return;
            }
            byte[] bigger = new byte[Math.min(maxEventBytes, line.length * 2)];
            System.arraycopy(line, 0, bigger, 0, lineLength);
            line = bigger;
        }
        line[lineLength++] = b;
    }

    private void endLine() {
        if (lineOverflow) {
            eventOverflow = true;
            lineOverflow = false;
            lineLength = 0;
            return;
        }
        if (lineLength == 0) {
            dispatch();
            return;
        }
        int colon = indexOf(line, lineLength, (byte) ':');
        if (colon == 0) {
            lineLength = 0; // comment
            return;
        }
        int nameEnd = colon < 0 ? lineLength : colon;
        int valueStart = colon < 0 ? lineLength : colon + 1;
        if (valueStart < lineLength && line[valueStart] == ' ') {
            valueStart++;
        }
        if (is(line, nameEnd, "data")) {
            if (event.dataLength + lineLength - valueStart > maxEventBytes) {
                eventOverflow = true;
            } else {
                event.appendData(line, valueStart, lineLength - valueStart);
            }
        } else if (is(line, nameEnd, "event")) {
            event.event = new String(line, valueStart, lineLength - valueStart, StandardCharsets.UTF_8);
        }
        lineLength = 0;
    }

    private void dispatch() {
        byte[] decision = null;
        if (eventOverflow) {
            oversized++;
        } else if (event.hasData || event.event != null) {
            decision = listener.onEvent(event);
        }
        if (rewrite) {
            if (passingThrough) {
                passingThrough = false; // its bytes, this blank line's included, are out already
            } else if (decision == null) {
                out.write(raw, 0, rawLength);
            } else if (decision != DROP) {
                out.writeBytes(decision);
            }
            rawLength = 0;
            if (raw.length > RAW_KEPT) {
                raw = new byte[rawInitial()];
            }
        }
        event.reset();
        eventOverflow = false;
    }

    private static int indexOf(byte[] bytes, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean is(byte[] bytes, int length, String ascii) {
        if (length != ascii.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
