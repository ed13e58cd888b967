package io.aibridge.proxy.events;

import io.aibridge.events.InterceptionEvent;

import java.util.Map;

/**
 * Where the proxy hands its interception events. Implementations never block the caller (the
 * event loop) and never throw: recording must not slow or break a response. Events of one
 * interception are published in the order they are handed over.
 *
 * <p>What is published is durable: events Kafka does not take in time are kept in an on-disk spool
 * with their extra headers, in order, and published when Kafka is back ({@link KafkaEventPublisher}).
 */
public interface EventPublisher {

    /** Queues the event for publishing; returns at once. */
    default void publish(InterceptionEvent event) {
        publish(event, Map.of());
    }

    /**
     * Queues the event with extra Kafka record headers to send beside the CloudEvents ones, such
     * as the W3C trace context of the request that produced it; returns at once.
     */
    void publish(InterceptionEvent event, Map<String, String> headers);

    /**
     * Whether a new interception may start. False only when the spool is full and the proxy is set
     * to refuse new interceptions then ({@code AIBRIDGE_SPOOL_WHEN_FULL=fail-closed}): the caller
     * answers 503 before recording anything.
     */
    default boolean acceptsNewInterceptions() {
        return true;
    }
}
