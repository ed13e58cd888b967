package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.UUID;

/**
 * A fact published on one of AI Bridge's Kafka topics.
 *
 * <p>On the wire an event is a CloudEvents 1.0 message in Kafka binary mode: the envelope is in
 * {@code ce_*} record headers and the JSON body holds the record's fields in snake_case. The body
 * repeats {@code event_id} so a consumer that loses headers can still de-duplicate.
 */
public sealed interface Event permits InterceptionEvent, IdentityEvent {

    /** Unique id of this event; the CloudEvents {@code id}. Consumers de-duplicate on it. */
    UUID eventId();

    /** The event's type, which also names its topic and schema. */
    @JsonIgnore
    EventType type();

    /** The Kafka record key: the aggregate id (interception id, user id or API key id). */
    @JsonIgnore
    String key();

    /** When the fact happened, by the bridge's clock; the CloudEvents {@code time}. */
    @JsonIgnore
    Instant time();
}
