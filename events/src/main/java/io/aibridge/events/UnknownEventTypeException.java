package io.aibridge.events;

/**
 * A record whose {@code ce_type} is not a type of this contract. {@link #ceType()} is the type as
 * the record named it (null when the header is missing), so that a consumer can report each
 * unknown type once rather than once per record.
 */
public class UnknownEventTypeException extends InvalidEventException {

    private final String ceType;

    public UnknownEventTypeException(String ceType, String message) {
        super(message);
        this.ceType = ceType;
    }

    /** The record's {@code ce_type}, or null when it has none. */
    public String ceType() {
        return ceType;
    }
}
