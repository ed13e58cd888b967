package io.aibridge.proxy.events;

import io.aibridge.events.EncodedEvent;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Kafka record exactly as it is (or would have been) sent: topic, key, every header (the
 * CloudEvents ones and the extra ones such as {@code traceparent}) and the JSON body. The spool
 * stores this form rather than the event object, so a record written by one version of the proxy
 * is replayed byte for byte by the next.
 *
 * <p>Payload layout (big-endian), version 1: {@code u8 version}, {@code topic} and {@code key} as
 * modified UTF-8 strings with a u16 length ({@link DataOutputStream#writeUTF}), {@code u16 header
 * count}, then per header its name (u16-length string) and value ({@code i32 length} + bytes), then
 * {@code i32 body length} + body.
 */
record SpoolRecord(String topic, String key, List<Header> headers, byte[] body) {

    static final int VERSION = 1;

    /** A record header; values are bytes, as on the wire. */
    record Header(String name, byte[] value) {
    }

    SpoolRecord {
        headers = List.copyOf(headers);
    }

    /** The record of an encoded event plus its extra headers (sent after the CloudEvents ones). */
    static SpoolRecord of(EncodedEvent encoded, Map<String, String> extra) {
        List<Header> headers = new ArrayList<>(encoded.headers().size() + extra.size());
        encoded.headers().forEach((k, v) -> headers.add(new Header(k, v.getBytes(StandardCharsets.UTF_8))));
        extra.forEach((k, v) -> headers.add(new Header(k, v.getBytes(StandardCharsets.UTF_8))));
        return new SpoolRecord(encoded.topic(), encoded.key(), headers, encoded.body());
    }

    ProducerRecord<String, byte[]> toProducerRecord() {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, body);
        headers.forEach(h -> record.headers().add(h.name(), h.value()));
        return record;
    }

    /** The value of the first header with this name, as UTF-8; null when absent. */
    String header(String name) {
        for (Header h : headers) {
            if (h.name().equals(name)) {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 64 + headers.size() * 48);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(topic);
            out.writeBoolean(key != null);
            if (key != null) {
                out.writeUTF(key);
            }
            out.writeShort(headers.size());
            for (Header h : headers) {
                out.writeUTF(h.name());
                out.writeInt(h.value().length);
                out.write(h.value());
            }
            out.writeInt(body.length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode a spool record", e); // in-memory streams do not fail
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes a payload written by {@link #encode()}.
     *
     * @throws IOException when the payload is not a record of a version this proxy knows
     */
    static SpoolRecord decode(byte[] payload) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IOException("unknown spool record version " + version);
            }
            String topic = in.readUTF();
            String key = in.readBoolean() ? in.readUTF() : null;
            int count = in.readUnsignedShort();
            List<Header> headers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                headers.add(new Header(name, readBytes(in, payload.length)));
            }
            byte[] body = readBytes(in, payload.length);
            if (in.available() > 0) {
                throw new IOException(in.available() + " unexpected bytes after the record");
            }
            return new SpoolRecord(topic, key, headers, body);
        }
    }

    private static byte[] readBytes(DataInputStream in, int limit) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > limit) {
            throw new IOException("invalid length " + length);
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new java.io.EOFException("record ends inside a field");
        }
        return bytes;
    }
}
