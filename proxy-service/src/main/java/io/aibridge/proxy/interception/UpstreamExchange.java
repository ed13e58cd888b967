package io.aibridge.proxy.interception;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

import java.util.Locale;

/**
 * One call to the provider, shared by the plain relay ({@link Relay}) and the injected-tool loop
 * (which makes one per round): open the request, send the body, and tell the caller whether it got
 * a response, failed before one, or broke after one.
 */
public final class UpstreamExchange {

    /** What an upstream answer is, as far as relaying it goes. */
    public enum Mode {
        /** no response yet */
        WAITING,
        /** server-sent events (also for an error status: the provider's error event is relayed in the stream) */
        STREAM,
        /** one body */
        BLOCKING,
        /** a 4xx or 5xx with a body that is not a stream */
        ERROR;

        public static Mode of(HttpClientResponse response) {
            String contentType = response.getHeader("Content-Type");
            boolean sse = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            return response.statusCode() >= 400 && !sse ? ERROR : sse ? STREAM : BLOCKING;
        }
    }

    /** The side that relays the answer. Called on the request's event loop. */
    public interface Listener {

        /** True once the interception has ended: a late request or response is reset, not used. */
        boolean finished();

        /** The mode of the response received so far ({@link Mode#WAITING} before one). */
        Mode mode();

        /** The request is open (kept to reset it if the client goes away). */
        void opened(HttpClientRequest request);

        void onResponse(HttpClientResponse response);

        /** No response came: the connection or the request failed. */
        void upstreamFailed(Throwable cause);

        /** The exchange failed after the response had started. */
        void upstreamBroken(Throwable cause);
    }

    private UpstreamExchange() {
    }

    /** Sends {@code body} on the request {@code opening} yields, and reports to {@code listener}. */
    public static void send(Future<HttpClientRequest> opening, Buffer body, Listener listener) {
        opening.onComplete(ar -> {
            if (ar.failed()) {
                listener.upstreamFailed(ar.cause());
                return;
            }
            HttpClientRequest request = ar.result();
            listener.opened(request);
            if (listener.finished()) {
                request.reset();
                return;
            }
            request.send(body).onComplete(r -> {
                if (r.failed()) {
                    if (listener.mode() == Mode.WAITING) {
                        listener.upstreamFailed(r.cause());
                    } else {
                        listener.upstreamBroken(r.cause());
                    }
                } else if (listener.finished()) {
                    r.result().request().reset();
                } else {
                    listener.onResponse(r.result());
                }
            });
        });
    }
}
