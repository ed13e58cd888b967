package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.events.EndStatus;
import io.aibridge.proxy.bedrock.BedrockCall;
import io.aibridge.proxy.bedrock.BedrockErrors;
import io.aibridge.proxy.bedrock.BedrockStreamTranslator;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.upstream.SilenceTimer;
import io.aibridge.proxy.upstream.ForwardedHeaders;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.UpstreamUnreachableException;
import io.vertx.core.Future;
import io.aibridge.proxy.interception.UpstreamExchange.Mode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * One upstream exchange of a bridged request: relays the provider's status, headers and body to
 * the client as they arrive, with back-pressure (the upstream is paused while the client's write
 * queue is full), while the {@link ResponseObserver} reads a copy. Ends the {@link Recording}
 * exactly once: completed, failed (upstream error, unreachable, timeout, broken or truncated
 * stream) or cancelled (the client went away; the upstream call is then reset).
 *
 * <p>Streams are relayed frame-agnostically, chunk by chunk, each chunk written before its copy
 * is read (so the events it yields are not on the client's path), except when the observer
 * rewrites them (Chat without client-requested usage), where whole frames are relayed once read. Blocking bodies are
 * relayed chunk by chunk too, holding back the last chunk until the provider's answer has ended
 * (a body of one chunk that breaks off is then still answered with a clean error); their copy is
 * read once that chunk is on its way to the client, as a stream's last events are: reading it
 * first would add its parsing and the events it yields (some hundred microseconds under load) to
 * every answer's latency. Runs on the request's event loop.
 *
 * <p>From AWS Bedrock ({@code bedrock}), a streamed answer comes in AWS's binary event stream:
 * each complete frame is unwrapped into the Anthropic SSE event it carries, which is then relayed
 * and read as on Anthropic's own API; an error answer is held whole and answered in Anthropic's
 * error JSON with Bedrock's status.
 */
public final class Relay implements UpstreamExchange.Listener {

    private static final Logger LOG = Logger.getLogger(Relay.class);
    /** Largest SSE event the decoder reads (bigger ones are relayed but not recorded). */
    private static final int MAX_EVENT_BYTES = 16 * 1024 * 1024;
    /** Largest blocking body kept for recording (bigger ones are relayed but not recorded). */
    private static final int MAX_BODY_COPY = 64 * 1024 * 1024;
    /** Largest error body kept to read its message. */
    private static final int MAX_ERROR_COPY = 64 * 1024;
    /** Most set aside for a body's copy before its bytes arrive: a Content-Length is a claim, the copy grows as bytes come. */
    private static final int MAX_COPY_UPFRONT = 1024 * 1024;

    /** How soon a keep-alive that could not be written (inside an event, or to a client behind) is tried again. */
    private static final long KEEP_ALIVE_RETRY_MILLIS = 1_000;

    /** Response header naming the interception, so that a client or an operator can find its records. */
    public static final String INTERCEPTION_HEADER = "X-AIBridge-Interception-Id";

    private final HttpServerRequest in;
    private final HttpServerResponse out;
    private final ProviderType provider;
    private final Recording recording;
    private final ResponseObserver observer;
    private final ProxyMetrics metrics;
    private final long idleTimeoutMillis;
    /** A started stream that has written nothing for this long gets its API's keep-alive frame, if it has one; 0: never. */
    private final long keepAliveMillis;
    private final Vertx vertx;
    /** The provider is AWS Bedrock: its event stream becomes Anthropic's SSE, its error JSON Anthropic's. */
    private final boolean bedrock;
    /** Made when the client first falls behind: most never do. */
    private SlowClient slowClient;
    /** The provider's silence while its answer is read; null until the answer's head arrived. */
    private SilenceTimer silence;
    /** When the last keep-alive went out, and the timer that keeps a quiet stream alive. */
    private long lastPingNanos;
    private long keepAliveTimer = -1;
    /** What a streaming client got last: whether it ends an event decides if a frame of ours can be written now. */
    private final StreamTail streamTail = new StreamTail();

    private Mode mode = Mode.WAITING;
    private HttpClientRequest upstreamRequest;
    private HttpClientResponse upstreamResponse;
    private SseDecoder decoder;
    /** Bedrock's event stream to Anthropic's SSE, for a streamed Bedrock answer. */
    private BedrockStreamTranslator translator;
    /** A Bedrock error answer: held whole and answered in Anthropic's error JSON. */
    private boolean bedrockError;
    private boolean rewrite;
    private Buffer held;
    private ByteArrayOutputStream copy;
    private boolean copyOverflow;
    private int status;
    private boolean finished;

    /**
     * @param keepAliveMillis a started stream quiet for this long gets its API's keep-alive frame (0: never)
     * @param bedrock         the answer comes from AWS Bedrock's Runtime API, and is given to the client as Anthropic's
     */
    public Relay(Vertx vertx, HttpServerRequest in, HttpServerResponse out, ProviderType provider, Recording recording, ResponseObserver observer,
                 ProxyMetrics metrics, long idleTimeoutMillis, long keepAliveMillis, boolean bedrock) {
        this.bedrock = bedrock;
        this.vertx = vertx;
        this.in = in;
        this.out = out;
        this.provider = provider;
        this.recording = recording;
        this.observer = observer;
        this.metrics = metrics;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.keepAliveMillis = keepAliveMillis;
    }

    /**
     * Sends the request upstream (on a request {@code open} yields, again for each retry) and relays the answer.
     *
     * @param keys the configured keys the call walks ({@link UpstreamExchange#send})
     */
    public void start(Supplier<Future<HttpClientRequest>> open, Buffer body, UpstreamExchange.Retries retries, ProviderKeys.Walk keys) {
        out.putHeader(INTERCEPTION_HEADER, recording.id().toString());
        out.closeHandler(v -> clientGone());
        out.exceptionHandler(e -> clientGone());
        recording.trace().upstreamStarted();
        UpstreamExchange.send(open, body, this, retries, keys);
    }

    @Override
    public void retrying(int retry, int status, Throwable cause, long delayMillis) {
        recording.upstreamRetry(retry, status, cause == null ? null : describe(cause), delayMillis);
    }

    @Override
    public void failedOver(int status, String fromHint, String toHint) {
        recording.upstreamKeyFailover(status, fromHint, toHint);
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public Mode mode() {
        return mode;
    }

    @Override
    public void opened(HttpClientRequest request) {
        upstreamRequest = request;
    }

    @Override
    public void onResponse(HttpClientResponse response) {
        upstreamResponse = response;
        status = response.statusCode();
        boolean eventStream = bedrock && status < 400 && BedrockCall.isEventStream(response);
        mode = eventStream ? Mode.STREAM : Mode.of(response);
        bedrockError = bedrock && mode == Mode.ERROR;
        rewrite = mode == Mode.STREAM && observer.rewritesStream();
        out.setStatusCode(status);
        if (response.statusMessage() != null) {
            out.setStatusMessage(response.statusMessage());
        }
        boolean hasLength = response.getHeader("Content-Length") != null;
        ForwardedHeaders.downstream(response.headers(), out.headers(), mode != Mode.STREAM && hasLength && !bedrockError);
        out.putHeader(INTERCEPTION_HEADER, recording.id().toString());
        if (mode == Mode.STREAM) {
            out.setChunked(true);
            out.putHeader("X-Accel-Buffering", "no");
            if (!out.headers().contains("Cache-Control")) {
                out.putHeader("Cache-Control", "no-cache");
            }
            decoder = new SseDecoder(observer, rewrite, MAX_EVENT_BYTES);
            if (eventStream) {
                translator = new BedrockStreamTranslator(MAX_EVENT_BYTES);
                out.headers().set("Content-Type", "text/event-stream; charset=utf-8");
            }
        } else if (bedrockError) {
            out.headers().set("Content-Type", "application/json");
            copy = new ByteArrayOutputStream(1024);
        } else {
            if (!hasLength) {
                out.setChunked(true);
            }
            copy = new ByteArrayOutputStream(copyCapacity(mode, hasLength ? parseLength(response) : -1));
        }
        if (mode == Mode.ERROR) {
            metrics.upstreamError(recording.context().providerName(), recording.context().route(), status);
        }
        response.handler(this::onData);
        response.endHandler(v -> onEnd());
        response.exceptionHandler(this::upstreamBroken);
        // the client's idle timeout covers the wait for the status line; this one covers the body
        startSilenceTimer();
        if (mode == Mode.STREAM && keepAliveMillis > 0 && observer.keepAliveFrame() != null) {
            armKeepAlive(keepAliveMillis);
        }
    }

    /**
     * Keeps a started stream alive while the provider is quiet (a long thought, a slow tool call):
     * after {@code keepAliveMillis} without a write the client gets the API's keep-alive
     * frame, so that a load balancer or ingress with an idle timeout does not cut it. Only between
     * two events, and never to a client that is still catching up.
     */
    private void armKeepAlive(long delayMillis) {
        keepAliveTimer = vertx.setTimer(Math.max(1, delayMillis), id -> {
            keepAliveTimer = -1;
            if (finished || out.closed()) {
                return;
            }
            // the provider's bytes reach the client in the step that notes them, so the stream is as
            // quiet as the provider, or as long ago as the last ping; nothing is timed per chunk for it
            long quietMillis = (System.nanoTime() - Math.max(silence.lastHeardNanos(), lastPingNanos)) / 1_000_000;
            if (!out.headWritten()) {
                armKeepAlive(keepAliveMillis); // not started: nothing to keep alive yet
            } else if (quietMillis < keepAliveMillis) {
                armKeepAlive(keepAliveMillis - quietMillis);
            } else if (streamTail.atEventBoundary() && !out.writeQueueFull()) {
                write(Buffer.buffer(observer.keepAliveFrame()));
                lastPingNanos = System.nanoTime();
                armKeepAlive(keepAliveMillis);
            } else {
                armKeepAlive(Math.min(keepAliveMillis, KEEP_ALIVE_RETRY_MILLIS)); // inside an event, or the client is behind: soon again
            }
        });
    }

    private void cancelTimers() {
        cancelIdleTimer();
        if (keepAliveTimer >= 0) {
            vertx.cancelTimer(keepAliveTimer);
            keepAliveTimer = -1;
        }
    }

    /** {@code AIBRIDGE_UPSTREAM_TIMEOUT} on the answer's body: a provider that goes silent ends the interception as timed out. */
    private void startSilenceTimer() {
        cancelIdleTimer();
        silence = SilenceTimer.start(vertx, idleTimeoutMillis, () -> {
            if (finished) {
                return;
            }
            // end as timed out first: resetting the request can report its own "stream reset"
            // failure at once, which must find the interception already ended
            upstreamBroken(new java.util.concurrent.TimeoutException("no data from the provider for " + idleTimeoutMillis + " ms"));
            if (upstreamRequest != null) {
                upstreamRequest.reset();
            }
        });
    }

    private void cancelIdleTimer() {
        if (silence != null) {
            silence.stop();
        }
    }

    private void onData(Buffer chunk) {
        if (finished) {
            return;
        }
        silence.heard();
        switch (mode) {
            case STREAM -> {
                if (translator != null) {
                    try {
                        byte[] sse = translator.feed(chunk.getBytes());
                        if (sse.length == 0) {
                            return;
                        }
                        chunk = Buffer.buffer(sse);
                    } catch (RuntimeException e) {
                        unreadableEventStream(e);
                        return;
                    }
                }
                boolean unchanged = !rewrite;
                if (unchanged) {
                    // the client first: the copy is read (and its events emitted) once the bytes are on their way
                    write(chunk);
                }
                byte[] relay;
                try {
                    relay = decoder.feed(chunk.getBytes());
                } catch (RuntimeException e) {
                    // recording must never break the relay: stop observing, keep relaying
                    LOG.warnf("interception %s: could not read the stream (%s); relaying without recording", recording.id(), e.toString());
                    relay = null;
                    rewrite = false;
                    decoder = new SseDecoder(event -> null, false, 1);
                }
                if (!unchanged) {
                    write(relay == null ? chunk : Buffer.buffer(relay));
                }
            }
            case BLOCKING -> {
                keepCopy(chunk, MAX_BODY_COPY);
                if (held != null) {
                    write(held);
                }
                held = chunk;
            }
            case ERROR -> {
                keepCopy(chunk, MAX_ERROR_COPY);
                if (!bedrockError) {
                    write(chunk);
                }
            }
            default -> {
            }
        }
    }

    private void onEnd() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        switch (mode) {
            case STREAM -> {
                if (translator != null) {
                    byte[] last = translator.finish(); // an event stream cut off inside a message leaves the stream without its end
                    if (last.length > 0) {
                        write(Buffer.buffer(last));
                        decoder.feed(last);
                    }
                }
                byte[] rest = decoder.finish();
                if (rewrite && rest.length > 0) {
                    write(Buffer.buffer(rest));
                }
                observeStreamEnd();
                out.end();
                if (status >= 400) {
                    recording.end(EndStatus.FAILED, status, "upstream_error", "the provider answered " + status);
                } else if (observer.streamFailed()) {
                    recording.endFailedByProvider(status, observer);
                } else if (!observer.terminalSeen()) {
                    recording.end(EndStatus.FAILED, status, "stream_truncated", "the provider's stream ended without its final event");
                } else {
                    recording.end(EndStatus.COMPLETED, status, null, null);
                }
            }
            case BLOCKING -> {
                // the client first: the copy is read once the whole answer is on its way
                if (held != null) {
                    write(held);
                    held = null;
                }
                out.end();
                if (copyOverflow) {
                    copy = null;
                    blockingRecorded();
                    return;
                }
                byte[] body = copy.toByteArray();
                copy = null;
                // a large answer is parsed on a worker thread; its records come back here, before the end
                OffLoop.run(vertx, body.length, () -> Json.parse(body)).onComplete(parsed -> {
                    try {
                        if (parsed.failed()) {
                            throw new IllegalStateException(parsed.cause());
                        }
                        observer.onBody(parsed.result());
                    } catch (RuntimeException e) {
                        LOG.warnf("interception %s: could not read the response body (%s)", recording.id(), e.toString());
                    }
                    blockingRecorded();
                });
            }
            case ERROR -> {
                byte[] error = copy == null ? new byte[0] : copy.toByteArray();
                if (bedrockError) {
                    error = BedrockErrors.toAnthropic(status, upstreamResponse.getHeader("x-amzn-ErrorType"), error);
                    recording.firstByte();
                    out.end(Buffer.buffer(error));
                } else {
                    out.end();
                }
                recording.trace().providerError(errorType(error));
                recording.end(EndStatus.FAILED, status, "upstream_error", errorMessage(error));
            }
            default -> {
            }
        }
    }

    /** A blocking answer was relayed and its body recorded: the interception ends (failed when its body says so). */
    private void blockingRecorded() {
        if (status < 400 && observer.streamFailed()) {
            recording.endFailedByProvider(status, observer);
            return;
        }
        recording.end(status < 400 ? EndStatus.COMPLETED : EndStatus.FAILED, status,
                status < 400 ? null : "upstream_error", status < 400 ? null : "the provider answered " + status);
    }

    private void write(Buffer chunk) {
        if (chunk.length() == 0 || out.closed()) {
            return;
        }
        recording.firstByte();
        // no handler: a write's failure reaches the response's close and exception handlers anyway,
        // and the returned future would cost a promise per chunk
        out.write(chunk, null);
        if (mode == Mode.STREAM) {
            streamTail.relayed(chunk);
        }
        if (out.writeQueueFull() && upstreamResponse != null) {
            upstreamResponse.pause();
            silence.pause();
            if (slowClient == null) {
                slowClient = new SlowClient(recording);
            }
            slowClient.paused();
            out.drainHandler(v -> {
                slowClient.drained();
                if (!finished) {
                    // a silence while the slow client was catching up is not the provider's
                    silence.resume();
                    upstreamResponse.resume();
                }
            });
        }
    }

    private void keepCopy(Buffer chunk, int limit) {
        if (copyOverflow) {
            return;
        }
        if (copy.size() + chunk.length() > limit) {
            copyOverflow = true;
            copy = null;
            return;
        }
        copy.writeBytes(chunk.getBytes());
    }

    /** No answer from the provider at all: 502, or 504 on timeout, in the provider's error shape. */
    @Override
    public void upstreamFailed(Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        boolean timeout = isTimeout(cause);
        int code = timeout ? 504 : 502;
        String message = timeout
                ? "the provider did not answer within " + idleTimeoutMillis / 1000 + " s"
                : "could not reach the provider: " + describe(cause);
        metrics.upstreamError(recording.context().providerName(), recording.context().route(), 0);
        LOG.warnf("interception %s: %s %s: %s", recording.id(), recording.context().provider(), recording.context().route(), message);
        ProviderErrors.send(out, provider, code, message, timeout ? "upstream_timeout" : "upstream_unreachable");
        recording.end(EndStatus.FAILED, code, timeout ? "timeout" : "upstream_unreachable", message);
    }

    /** The provider's answer broke off (connection closed or idle timeout) after it started. */
    @Override
    public void upstreamBroken(Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        boolean timeout = isTimeout(cause);
        String message = timeout
                ? "the provider went silent for " + idleTimeoutMillis / 1000 + " s in the middle of its answer"
                : "the provider's connection broke in the middle of its answer: " + describe(cause);
        String type = timeout ? "timeout" : mode == Mode.STREAM ? "stream_broken" : "upstream_broken";
        LOG.warnf("interception %s: %s %s: %s", recording.id(), recording.context().provider(), recording.context().route(), message);
        if (mode == Mode.STREAM) {
            observeStreamEnd();
        }
        if (!out.headWritten()) {
            // nothing reached the client yet: it gets a proper error status instead of a cut stream
            int code = timeout ? 504 : 502;
            out.headers().clear();
            out.putHeader(INTERCEPTION_HEADER, recording.id().toString());
            out.setChunked(false);
            ProviderErrors.send(out, provider, code, message, timeout ? "upstream_timeout" : "upstream_broken");
            recording.end(EndStatus.FAILED, code, type, message);
        } else if (mode == Mode.STREAM) {
            out.write(streamTail.ownFrame(observer.brokenStreamFrame(message)));
            out.end();
            recording.end(EndStatus.FAILED, status, type, message);
        } else {
            ClientConnections.cut(in, out); // a cut body, never one that looks whole
            recording.end(EndStatus.FAILED, status, type, message);
        }
    }

    /** Bedrock's event stream broke its own framing (a bad checksum or length): the relay cannot go on. */
    private void unreadableEventStream(RuntimeException e) {
        finished = true;
        cancelTimers();
        if (upstreamRequest != null) {
            upstreamRequest.reset();
        }
        String message = "AWS Bedrock's event stream could not be read: " + describe(e);
        LOG.warnf("interception %s: %s %s: %s", recording.id(), recording.context().provider(), recording.context().route(), message);
        observeStreamEnd();
        recording.firstByte();
        out.write(streamTail.ownFrame(observer.brokenStreamFrame(message)));
        out.end();
        recording.end(EndStatus.FAILED, status, "stream_broken", message);
    }

    /** The client closed the connection before the answer ended: cancel the upstream call. */
    private void clientGone() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        if (upstreamRequest != null) {
            upstreamRequest.reset();
        }
        if (mode == Mode.STREAM) {
            observeStreamEnd();
        }
        recording.end(EndStatus.CANCELLED, out.headWritten() ? status : null, "client_disconnected",
                "the client closed the connection before the answer ended");
    }

    private void observeStreamEnd() {
        try {
            observer.onStreamEnd();
        } catch (RuntimeException e) {
            LOG.warnf("interception %s: could not record the end of the stream (%s)", recording.id(), e.toString());
        }
    }

    private String errorMessage(byte[] body) {
        JsonNode json = Json.parse(body);
        JsonNode error = json == null ? null : json.get("error");
        if (error != null && error.isObject() && error.path("message").isTextual()) {
            String type = error.path("type").isTextual() ? error.path("type").asText() + ": " : "";
            return type + error.path("message").asText();
        }
        return "the provider answered " + status;
    }

    /** The provider's error type from an error body ({@code error.type}, else {@code error.code}), or null. */
    public static String errorType(byte[] body) {
        JsonNode json = Json.parse(body);
        JsonNode error = json == null ? null : json.get("error");
        if (error == null || !error.isObject()) {
            return null;
        }
        return error.path("type").isTextual() ? error.path("type").asText()
                : error.path("code").isTextual() ? error.path("code").asText() : null;
    }

    /** What a body's copy sets aside at first: its declared length ({@code -1}: none), up to what is kept, and at most 1 MiB. */
    static int copyCapacity(Mode mode, long declaredLength) {
        if (declaredLength < 0) {
            return 4096;
        }
        return (int) Math.min(Math.min(mode == Mode.ERROR ? MAX_ERROR_COPY : MAX_BODY_COPY, MAX_COPY_UPFRONT), declaredLength);
    }

    private static long parseLength(HttpClientResponse response) {
        try {
            return Math.max(0, Long.parseLong(response.getHeader("Content-Length").trim()));
        } catch (NumberFormatException e) {
            return 4096;
        }
    }

    /**
     * True when the failure is a timeout waiting for the provider's answer; false for one while
     * getting a connection (nothing was sent: the provider is unreachable, 502, and not slow).
     */
    public static boolean isTimeout(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (t instanceof UpstreamUnreachableException || name.contains("ConnectTimeout")) {
                return false;
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof java.util.concurrent.TimeoutException || name.contains("Timeout")
                    || message.contains("timeout period") || message.contains("timed out")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
