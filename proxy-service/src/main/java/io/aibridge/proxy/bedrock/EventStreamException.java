package io.aibridge.proxy.bedrock;

/**
 * The bytes from upstream are not a valid AWS event stream: a checksum does not match, a length is
 * out of range, or a header is malformed. The stream cannot be resynchronised after this (the
 * framing gives no way to find the next message), so the caller treats the stream as broken.
 */
public final class EventStreamException extends RuntimeException {

    public EventStreamException(String message) {
        super(message);
    }
}
