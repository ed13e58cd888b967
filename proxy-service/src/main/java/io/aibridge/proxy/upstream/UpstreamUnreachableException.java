package io.aibridge.proxy.upstream;

import java.io.IOException;

/**
 * No connection to the provider could be had for a call: the name did not resolve, TCP or TLS
 * failed, or no connection (new or pooled) was ready within {@code AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT}.
 * Nothing was sent, so the provider is unreachable (502, retried) and not slow: Vert.x reports its
 * connect timer as a {@link java.util.concurrent.TimeoutException}, which without this wrapper would
 * read as the provider failing to answer (504, not retried, a circuit-breaker failure).
 */
public final class UpstreamUnreachableException extends IOException {

    UpstreamUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
