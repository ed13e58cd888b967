package io.aibridge.proxy.interception;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/** Cutting off a client whose answer cannot be finished, so that it cannot take a partial body for a whole one. */
public final class ClientConnections {

    private ClientConnections() {
    }

    /**
     * Resets the answer. On HTTP/1.x that means closing the connection, done here on the connection
     * itself: Vert.x 4's {@link HttpServerResponse#reset()} marks the response closed before the
     * connection is, so the response's end, exception and close handlers never run, and with them
     * the routing context's end handlers (the capacity slot of {@code AIBRIDGE_MAX_CONCURRENCY}
     * would never come back). An HTTP/2 stream is reset on its own.
     */
    public static void cut(HttpServerRequest request, HttpServerResponse out) {
        if (out.ended() || out.closed()) {
            return;
        }
        if (request.version() == HttpVersion.HTTP_2) {
            out.reset();
        } else {
            request.connection().close();
        }
    }
}
