package io.aibridge.proxy.interception;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/**
 * Work whose cost grows with a body's size (parsing, writing, hashing): over
 * {@link Json#PARSE_ON_WORKER_BYTES} it runs on a worker thread, unordered, and its result comes back on
 * the calling context (the request's event loop); a smaller body's is done at once, on the caller's thread.
 */
public final class OffLoop {

    private OffLoop() {
    }

    /** True when work on {@code size} bytes belongs on a worker thread. */
    public static boolean large(long size) {
        return size > Json.PARSE_ON_WORKER_BYTES;
    }

    /** {@code work}, on a worker thread when {@code size} is {@link #large}; a failure (thrown) is the future's. */
    public static <T> Future<T> run(Vertx vertx, long size, Callable<T> work) {
        if (large(size)) {
            return vertx.executeBlocking(work, false);
        }
        try {
            return Future.succeededFuture(work.call());
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }
}
