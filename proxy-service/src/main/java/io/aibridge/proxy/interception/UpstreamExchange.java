package io.aibridge.proxy.interception;

import io.aibridge.proxy.upstream.CredentialHint;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.SilenceTimer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * One call to the provider, shared by the plain relay ({@link Relay}) and the injected-tool loop
 * (which makes one per round): open the request, send the body, and tell the caller whether it got
 * a response, failed before one, or broke after one.
 *
 * <p>Transient failures are retried as the providers' SDKs retry them (and so the reference): a
 * connection that could not be made or closed before the status line, and the statuses 408, 409,
 * 429 and 5xx (unless the provider says {@code x-should-retry: false}; {@code true} retries any),
 * up to {@link Retries#max()} more attempts. The wait is the provider's {@code retry-after-ms} or
 * {@code Retry-After} when it names one, else 0.5 s doubling up to 8 s, less up to a quarter at
 * random. Only before the caller has seen anything: the retried answer's status and body are
 * dropped. Unlike the SDKs, an answer that asks for more than 5 s is relayed at once (the caller's
 * SDK waits it, once, instead of the caller waiting in silence for two waits and then a third of
 * its own), and a call that waited the whole idle timeout is not made again.
 *
 * <p>Before any of that, an answer that turns the configured key away (429, 401, 403) is sent again
 * at once with the instance's next key when it has one that is not cooling down
 * ({@link ProviderKeys}); such a move is not one of the retries.
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

        /**
         * A failed attempt is made again after {@code delayMillis}.
         *
         * @param retry  1 for the first retry
         * @param status the status the provider answered, 0 when there was no answer
         * @param cause  why there was no answer, or null
         */
        void retrying(int retry, int status, Throwable cause, long delayMillis);

        /**
         * The provider answered {@code status} for the configured key {@code fromHint}: the call is
         * made again at once with the key {@code toHint}.
         */
        void failedOver(int status, String fromHint, String toHint);
    }

    /**
     * How many more attempts a failed call gets, the timers that space them, and how long a dropped
     * answer's body may be silent ({@code AIBRIDGE_UPSTREAM_TIMEOUT}) before it is cut.
     */
    public record Retries(Vertx vertx, int max, long idleTimeoutMillis) {
    }

    /** Longest wait the provider may ask for and still be retried here; a longer one is the caller's to wait. */
    static final long MAX_RETRY_AFTER_MILLIS = 5_000;
    static final long INITIAL_BACKOFF_MILLIS = 500;
    static final long MAX_BACKOFF_MILLIS = 8_000;
    /** Most of a dropped answer's body read to keep its connection; past it the connection is closed instead. */
    static final int MAX_DISCARDED_BYTES = 64 * 1024;

    private UpstreamExchange() {
    }

    /**
     * Sends {@code body} on the request {@code open} yields, and reports to {@code listener};
     * retries as {@code retries} allow, each attempt on a request {@code open} yields anew.
     *
     * @param keys the configured keys the call walks: {@code open} writes {@link ProviderKeys.Walk#key()} into each attempt
     *             ({@link ProviderKeys.Walk#applyTo}); {@link ProviderKeys.Walk#NONE} for a call that does not use them
     */
    public static void send(Supplier<Future<HttpClientRequest>> open, Buffer body, Listener listener, Retries retries,
                            ProviderKeys.Walk keys) {
        new Call(open, body, listener, retries, keys).attempt(0);
    }

    /** One call's attempts. */
    private record Call(Supplier<Future<HttpClientRequest>> open, Buffer body, Listener listener, Retries retries,
                        ProviderKeys.Walk keys) {

        void attempt(int retried) {
            open.get().onComplete(ar -> {
                if (ar.failed()) {
                    if (!retryLater(retried, 0, ar.cause(), -1)) {
                        listener.upstreamFailed(ar.cause());
                    }
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
                        if (listener.mode() != Mode.WAITING) {
                            listener.upstreamBroken(r.cause());
                        } else if (!retryLater(retried, 0, r.cause(), -1)) {
                            listener.upstreamFailed(r.cause());
                        }
                        return;
                    }
                    answered(r.result(), retried);
                });
            });
        }

        private void answered(HttpClientResponse response, int retried) {
            if (listener.finished()) {
                response.request().reset();
                return;
            }
            int status = response.statusCode();
            String from = keys.key();
            if (ProviderKeys.turnsKeyAway(status)
                    && keys.failover(status, askedMillis(response.getHeader("retry-after-ms"), response.getHeader("Retry-After")))) {
                listener.failedOver(status, CredentialHint.of(from), CredentialHint.of(keys.key()));
                discard(response, retries.vertx(), retries.idleTimeoutMillis()).onComplete(done -> {
                    if (!listener.finished()) {
                        attempt(retried);
                    }
                });
                return;
            }
            long delay = retried < retries.max() && retryable(response) ? delayMillis(response.getHeader("retry-after-ms"),
                    response.getHeader("Retry-After"), retried, ThreadLocalRandom.current().nextDouble()) : -1;
            if (delay >= 0) {
                discard(response, retries.vertx(), retries.idleTimeoutMillis()).onComplete(done -> retryLater(retried, response.statusCode(), null, delay));
            } else {
                listener.onResponse(response);
            }
        }

        /** Schedules the next attempt, or says there is none: no retries left, the caller gone, or a call that timed out. */
        private boolean retryLater(int retried, int status, Throwable cause, long delay) {
            if (retried >= retries.max() || listener.finished() || (cause != null && Relay.isTimeout(cause))) {
                return false;
            }
            long wait = delay >= 0 ? delay : delayMillis(null, null, retried, ThreadLocalRandom.current().nextDouble());
            listener.retrying(retried + 1, status, cause, wait);
            retries.vertx().setTimer(Math.max(1, wait), t -> {
                if (!listener.finished()) {
                    attempt(retried + 1);
                }
            });
            return true;
        }
    }

    /** The SDKs' rule: the provider's {@code x-should-retry} first, else 408, 409, 429 and 5xx. */
    static boolean retryable(HttpClientResponse response) {
        String should = response.getHeader("x-should-retry");
        if ("true".equalsIgnoreCase(should)) {
            return true;
        }
        if ("false".equalsIgnoreCase(should)) {
            return false;
        }
        int status = response.statusCode();
        return status == 408 || status == 409 || status == 429 || status >= 500;
    }

    /**
     * The wait before retry number {@code retried + 1}: what the provider asked for when that is
     * over 0, else the SDKs' backoff of 0.5 s doubling up to 8 s, less up to a quarter
     * ({@code random} in [0, 1)); -1 when the provider asked for more than 5 s (no retry here).
     */
    static long delayMillis(String retryAfterMillis, String retryAfter, int retried, double random) {
        long asked = askedMillis(retryAfterMillis, retryAfter);
        if (asked > MAX_RETRY_AFTER_MILLIS) {
            return -1;
        }
        if (asked > 0) {
            return asked;
        }
        double backoff = Math.min(INITIAL_BACKOFF_MILLIS * Math.pow(2, retried), MAX_BACKOFF_MILLIS);
        return Math.round(backoff * (1 - 0.25 * random));
    }

    /** The provider's wait in milliseconds ({@code retry-after-ms}, else {@code Retry-After} in seconds or as a date), or -1. */
    public static long askedMillis(String retryAfterMillis, String retryAfter) {
        try {
            if (retryAfterMillis != null) {
                return Math.round(Double.parseDouble(retryAfterMillis.trim()));
            }
            if (retryAfter != null) {
                String value = retryAfter.trim();
                if (!value.isEmpty() && Character.isDigit(value.charAt(0))) {
                    return Math.round(Double.parseDouble(value) * 1000);
                }
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return at.toEpochMilli() - System.currentTimeMillis();
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Drops an answer that is not relayed (retried, or sent again with another key): a short body is
     * read to its end so that its connection goes back to the pool; a stream, or a body that says or
     * turns out to be longer than {@value #MAX_DISCARDED_BYTES} bytes, is cut instead (its connection
     * closed), so that an error page of any size costs no more than that, and so is a body the
     * provider stops sending for {@code silenceMillis}. Completes once the answer is done with, never failed.
     */
    public static Future<Void> discard(HttpClientResponse response, Vertx vertx, long silenceMillis) {
        String contentType = response.getHeader("Content-Type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")
                || declaredLength(response) > MAX_DISCARDED_BYTES) {
            cut(response);
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        SilenceTimer silence = SilenceTimer.start(vertx, silenceMillis, () -> {
            if (done.tryComplete()) {
                cut(response);
            }
        });
        done.future().onComplete(v -> silence.stop());
        long[] read = {0};
        response.exceptionHandler(e -> done.tryComplete());
        response.endHandler(v -> done.tryComplete());
        response.handler(chunk -> {
            silence.heard();
            read[0] += chunk.length();
            if (read[0] > MAX_DISCARDED_BYTES && done.tryComplete()) {
                cut(response);
            }
        });
        return done.future();
    }

    private static void cut(HttpClientResponse response) {
        response.exceptionHandler(e -> {
        });
        response.request().reset();
    }

    private static long declaredLength(HttpClientResponse response) {
        String length = response.getHeader("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
