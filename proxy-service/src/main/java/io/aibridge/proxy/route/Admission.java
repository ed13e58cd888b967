package io.aibridge.proxy.route;

import io.aibridge.proxy.auth.CallerCredentials;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * A request admitted on a provider route, from its headers until its body is complete: the instance
 * it is for, its authenticated caller, and the deadline for its body
 * ({@code AIBRIDGE_REQUEST_BODY_TIMEOUT}). A body that is not complete in time is answered 408 in the
 * provider's error JSON and its connection closed, so that a slow upload cannot hold a place
 * ({@link CapacityLimit}) for long. Lives on the request's event loop: no locking.
 */
final class Admission implements Handler<Long> {

    /** Where {@link ProxyRoutes} keeps it in the routing context. */
    static final String KEY = "aibridge.admission";

    final ProviderInstance instance;
    final CallerCredentials.Caller caller;
    private final RoutingContext ctx;
    private String timeoutMessage;
    private long timer = -1;
    private boolean timedOut;

    Admission(RoutingContext ctx, ProviderInstance instance, CallerCredentials.Caller caller) {
        this.ctx = ctx;
        this.instance = instance;
        this.caller = caller;
    }

    /** Starts the body's deadline (none when {@code millis} is 0 or the body is already in). */
    void startDeadline(long millis, String message) {
        if (millis <= 0 || ctx.request().isEnded()) {
            return;
        }
        timeoutMessage = message;
        timer = ctx.vertx().setTimer(millis, this);
        // answered (413) or gone before the body was complete: the timer must not keep the request alive
        ctx.addEndHandler(ended -> cancel());
    }

    /** The body is complete: false when it came too late and the request was already answered 408. */
    boolean bodyRead() {
        cancel();
        return !timedOut;
    }

    private void cancel() {
        if (timer >= 0) {
            ctx.vertx().cancelTimer(timer);
            timer = -1;
        }
    }

    /** The deadline passed before the body was complete. */
    @Override
    public void handle(Long id) {
        timer = -1;
        HttpServerResponse response = ctx.response();
        if (response.headWritten() || response.closed()) {
            return;
        }
        timedOut = true;
        // the rest of the body is not wanted: on HTTP/1.x the connection is closed once the answer is written, not read on
        boolean close = ctx.request().version() != HttpVersion.HTTP_2;
        if (close) {
            response.putHeader("Connection", "close");
        }
        ProviderErrors.send(response, instance.type(), 408, timeoutMessage, "request_timeout");
        if (close) {
            response.close();
        }
    }
}
