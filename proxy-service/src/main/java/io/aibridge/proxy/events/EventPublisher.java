package io.aibridge.proxy.events;

import io.aibridge.events.InterceptionEvent;

import java.util.Map;

/**
 * Where the proxy hands its interception events. Implementations never block the caller (the
 * event loop) and never throw: recording must not slow or break a response. Events of one
 * interception are published in the order they are handed over.
 *
 * <p>The seam for durability: an on-disk spool for when Kafka is unavailable goes behind this
 * interface, keeping the per-interception order and the extra headers of each event.
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
}
