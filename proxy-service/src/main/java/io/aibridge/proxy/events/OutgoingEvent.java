package io.aibridge.proxy.events;

import io.aibridge.events.InterceptionEvent;

import java.util.Map;

/**
 * An event waiting to be published, with the extra record headers that travel with it.
 *
 * @param headers sent beside the CloudEvents headers (e.g. {@code traceparent}); never secrets
 */
public record OutgoingEvent(InterceptionEvent event, Map<String, String> headers) {

    public OutgoingEvent {
        headers = headers == null || headers.isEmpty() ? Map.of() : Map.copyOf(headers);
    }
}
