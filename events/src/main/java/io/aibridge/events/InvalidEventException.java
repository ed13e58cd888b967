package io.aibridge.events;

/**
 * A Kafka record that is not a valid event of this contract: missing or unknown CloudEvents
 * headers, a body that is not JSON, or fields that break the schema. Such a record can never be
 * stored; consumers dead-letter it with {@link #getMessage()} as the reason.
 */
public class InvalidEventException extends Exception {

    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
