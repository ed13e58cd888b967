package io.aibridge.proxy.bedrock;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * An incremental decoder of AWS's binary event-stream framing ({@code application/vnd.amazon.eventstream}),
 * the body of Bedrock's {@code InvokeModelWithResponseStream}. Chunks may be cut anywhere; each call
 * returns the messages the chunk completed.
 *
 * <p>The framing (<a href="https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html">event
 * stream encoding</a>): a 12-byte prelude holds the total length and the headers length (both
 * uint32, big-endian) and a CRC32 of those 8 bytes; then the headers, then the payload, then a CRC32
 * of everything before it. The smallest message (no headers, no payload) is 16 bytes.
 *
 * <p>Complete messages are decoded straight from the chunk; only the bytes of an unfinished message
 * are copied, into a buffer that always starts with that message and so never needs compacting. A
 * message's length is checked as soon as its prelude is in, so the buffer never exceeds
 * {@code maxMessageBytes}. After an {@link EventStreamException} the decoder refuses further bytes.
 * One decoder per stream; not thread-safe.
 */
public final class EventStreamDecoder {

    /** Prelude: total length, headers length, prelude CRC. */
    private static final int PRELUDE_BYTES = 12;
    /** Prelude plus the trailing message CRC. */
    private static final int OVERHEAD_BYTES = PRELUDE_BYTES + 4;

    /**
     * One decoded message. Header values are converted to strings: strings as they are, integers in
     * decimal, booleans {@code true}/{@code false}, byte arrays in base64, timestamps in ISO-8601,
     * UUIDs in canonical form. If a name repeats, the last value wins.
     */
    public record Message(Map<String, String> headers, byte[] payload) {

        public Message {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(payload, "payload");
        }

        /** The value of one header, or null when the message has none of that name. */
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final int maxMessageBytes;
    private final CRC32 crc = new CRC32();
    private byte[] buffer = new byte[0];
    private int buffered;
    /** Total length of the buffered message once its prelude is in and valid; -1 before. */
    private int pendingTotal = -1;
    private boolean failed;

    /**
     * @param maxMessageBytes the largest message accepted, prelude and CRCs included (at least 16)
     */
    public EventStreamDecoder(int maxMessageBytes) {
        if (maxMessageBytes < OVERHEAD_BYTES) {
            throw new IllegalArgumentException("maxMessageBytes must be at least " + OVERHEAD_BYTES + ": " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Feeds the next bytes of the stream.
     *
     * @return the messages this chunk completed, in order; an empty immutable list when none
     * @throws EventStreamException if the bytes are not a valid event stream
     */
    public List<Message> feed(byte[] chunk) {
        if (failed) {
            throw new EventStreamException("the event stream already failed to decode");
        }
        try {
            return decode(chunk);
        } catch (EventStreamException e) {
            failed = true;
            buffered = 0;
            pendingTotal = -1;
            throw e;
        }
    }

    /** True while the bytes of an unfinished message are held (a stream ending now is truncated). */
    public boolean partial() {
        return buffered > 0;
    }

    private List<Message> decode(byte[] chunk) {
        List<Message> messages = null;
        int pos = 0;
        while (pos < chunk.length) {
            if (buffered == 0) {
                int end = chunk.length;
                while (end - pos >= PRELUDE_BYTES) {
                    int total = readPrelude(chunk, pos);
                    if (end - pos < total) {
                        pendingTotal = total;
                        break;
                    }
                    messages = add(messages, readMessage(chunk, pos, total));
                    pos += total;
                }
                append(chunk, pos, end - pos);
                return messages == null ? List.of() : messages;
            }
            // Top up the unfinished message: first to a whole prelude, then to its total length.
            int wanted = (pendingTotal < 0 ? PRELUDE_BYTES : pendingTotal) - buffered;
            int take = Math.min(wanted, chunk.length - pos);
            append(chunk, pos, take);
            pos += take;
            if (pendingTotal < 0 && buffered == PRELUDE_BYTES) {
                pendingTotal = readPrelude(buffer, 0);
            }
            if (pendingTotal >= 0 && buffered == pendingTotal) {
                messages = add(messages, readMessage(buffer, 0, pendingTotal));
                buffered = 0;
                pendingTotal = -1;
            }
        }
        return messages == null ? List.of() : messages;
    }

    private static List<Message> add(List<Message> messages, Message message) {
        List<Message> list = messages == null ? new ArrayList<>(2) : messages;
        list.add(message);
        return list;
    }

    private void append(byte[] bytes, int from, int length) {
        if (length == 0) {
            return;
        }
        if (buffered + length > buffer.length) {
            // Never beyond the largest message: a valid prelude has already capped the total.
            int size = Math.max(buffered + length, Math.min(maxMessageBytes, Math.max(256, buffer.length * 2)));
            byte[] bigger = new byte[size];
            System.arraycopy(buffer, 0, bigger, 0, buffered);
            buffer = bigger;
        }
        System.arraycopy(bytes, from, buffer, buffered, length);
        buffered += length;
    }

    /** Checks the prelude at {@code off} and returns the message's total length. */
    private int readPrelude(byte[] bytes, int off) {
        long total = uint32(bytes, off);
        long headersLength = uint32(bytes, off + 4);
        crc.reset();
        crc.update(bytes, off, 8);
        if (crc.getValue() != uint32(bytes, off + 8)) {
            throw new EventStreamException("event-stream prelude checksum mismatch");
        }
        if (total < OVERHEAD_BYTES || total > maxMessageBytes) {
            throw new EventStreamException("event-stream message length " + total + " outside " + OVERHEAD_BYTES + ".." + maxMessageBytes);
        }
        if (headersLength > total - OVERHEAD_BYTES) {
            throw new EventStreamException("event-stream headers length " + headersLength + " exceeds message length " + total);
        }
        return (int) total;
    }

    /** Decodes the whole message of {@code total} bytes at {@code off}; its prelude was checked. */
    private Message readMessage(byte[] bytes, int off, int total) {
        int crcAt = off + total - 4;
        crc.reset();
        crc.update(bytes, off, total - 4);
        if (crc.getValue() != uint32(bytes, crcAt)) {
            throw new EventStreamException("event-stream message checksum mismatch");
        }
        int headersStart = off + PRELUDE_BYTES;
        int headersEnd = headersStart + (int) uint32(bytes, off + 4);
        Map<String, String> headers = readHeaders(bytes, headersStart, headersEnd);
        byte[] payload = Arrays.copyOfRange(bytes, headersEnd, crcAt);
        return new Message(headers, payload);
    }

    private static Map<String, String> readHeaders(byte[] bytes, int start, int end) {
        if (start == end) {
            return Map.of();
        }
        Map<String, String> headers = new LinkedHashMap<>(8);
        int p = start;
        while (p < end) {
            int nameLength = bytes[p++] & 0xff;
            need(p, nameLength + 1, end); // the name and the type byte
            String name = new String(bytes, p, nameLength, StandardCharsets.UTF_8);
            p += nameLength;
            int type = bytes[p++];
            String value;
            switch (type) {
                case 0 -> value = "true";
                case 1 -> value = "false";
                case 2 -> {
                    need(p, 1, end);
                    value = Byte.toString(bytes[p]);
                    p += 1;
                }
                case 3 -> {
                    need(p, 2, end);
                    value = Short.toString((short) (((bytes[p] & 0xff) << 8) | (bytes[p + 1] & 0xff)));
                    p += 2;
                }
                case 4 -> {
                    need(p, 4, end);
                    value = Integer.toString((int) uint32(bytes, p));
                    p += 4;
                }
                case 5 -> {
                    need(p, 8, end);
                    value = Long.toString(int64(bytes, p));
                    p += 8;
                }
                case 6, 7 -> {
                    need(p, 2, end);
                    int length = ((bytes[p] & 0xff) << 8) | (bytes[p + 1] & 0xff);
                    p += 2;
                    need(p, length, end);
                    value = type == 7
                            ? new String(bytes, p, length, StandardCharsets.UTF_8)
                            : Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, p, p + length));
                    p += length;
                }
                case 8 -> {
                    need(p, 8, end);
                    value = Instant.ofEpochMilli(int64(bytes, p)).toString();
                    p += 8;
                }
                case 9 -> {
                    need(p, 16, end);
                    value = new UUID(int64(bytes, p), int64(bytes, p + 8)).toString();
                    p += 16;
                }
                default -> throw new EventStreamException("event-stream header '" + name + "' has unknown value type " + type);
            }
            headers.put(name, value);
        }
        return Collections.unmodifiableMap(headers);
    }

    private static void need(int p, int length, int end) {
        if (length > end - p) {
            throw new EventStreamException("event-stream header runs past the headers section");
        }
    }

    private static long uint32(byte[] b, int off) {
        return ((long) (b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    private static long int64(byte[] b, int off) {
        return (uint32(b, off) << 32) | uint32(b, off + 4);
    }
}
