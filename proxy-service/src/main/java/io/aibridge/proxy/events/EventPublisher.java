package io.aibridge.proxy.events;

import io.aibridge.events.InterceptionEvent;

/**
 * Where the proxy hands its interception events. Implementations never block the caller (the
 * event loop) and never throw: recording must not slow or break a response. Events of one
 * interception are published in the order they are handed over.
 *
 * <p>The seam for durability: an on-disk spool for when Kafka is unavailable goes behind this
 * interface, keeping the per-interception order.
 */
public interface EventPublisher {

    /** Queues the event for publishing; returns at once. */
    void publish(InterceptionEvent event);
}
