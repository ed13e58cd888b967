package io.aibridge.proxy.injection;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.EndStatus;
import io.aibridge.proxy.bedrock.BedrockCall;
import io.aibridge.proxy.bedrock.BedrockErrors;
import io.aibridge.proxy.bedrock.BedrockStreamTranslator;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.OffLoop;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.Relay;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.interception.SlowClient;
import io.aibridge.proxy.mcp.McpServers;
import io.aibridge.proxy.mcp.ToolCallOutcome;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.upstream.SilenceTimer;
import io.aibridge.proxy.upstream.ForwardedHeaders;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.aibridge.proxy.interception.UpstreamExchange;
import io.aibridge.proxy.interception.UpstreamExchange.Mode;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One interception with injected tools: calls the provider, relays to the client what it may see,
 * runs the injected tools the model calls on their MCP servers, and calls the provider again with
 * the results, until the model answers without an injected call (or calls the client's own
 * tools, or the round limit is reached). Each upstream call is recorded by its own observer (prompt
 * once, tokens per call, thoughts, client tool calls); each injected call is recorded after it ran.
 *
 * <p>Streams are relayed as they arrive (Anthropic, Chat) or per completed round (Responses), with
 * back-pressure, the provider's idle timeout per call, and keep-alive frames while tools run.
 * Blocking requests get one body, the last round's, with the summed usage. Runs on the request's
 * event loop; MCP calls run on the MCP worker pool.
 *
 * <p>On AWS Bedrock ({@code bedrock}) each round is a Bedrock call: the edited request as Bedrock's
 * body, signed when it is opened, and a streamed answer's event stream read as Anthropic's SSE.
 */
final class InjectedLoop implements UpstreamExchange.Listener {

    private static final Logger LOG = Logger.getLogger(InjectedLoop.class);
    private static final int MAX_EVENT_BYTES = 16 * 1024 * 1024;
    /** Largest response held (blocking body, or a buffered Responses stream). */
    private static final int MAX_HELD = 64 * 1024 * 1024;
    private static final int MAX_ERROR_COPY = 1024 * 1024;
    private static final long KEEP_ALIVE_MILLIS = 10_000;

    private final Vertx vertx;
    private final HttpServerResponse out;
    private final ProviderType provider;
    private final Recording recording;
    private final ProxyMetrics metrics;
    private final LoopApi api;
    private final LoopState loop;
    private final McpServers mcp;
    private final UpstreamClient upstream;
    private final String url;
    private final MultiMap headers;
    private final ObjectNode body;
    /** The client's request body's size: the first round's body is about as large (plus the tool definitions). */
    private final int requestBytes;
    private final int maxRounds;
    private final long idleTimeoutMillis;
    /** The calls to Claude on AWS Bedrock; null for every other provider. */
    private final BedrockCall bedrock;
    /** The configured keys every round walks (one walk per interception: a key set aside in one round stays so). */
    private final ProviderKeys.Walk keys;
    /** Bedrock's event stream as Anthropic's SSE, for the round being read. */
    private BedrockStreamTranslator translator;

    private Mode mode = Mode.WAITING;
    private Round round;
    private ResponseObserver observer;
    private SseDecoder decoder;
    private HttpClientRequest upstreamRequest;
    private HttpClientResponse upstreamResponse;
    private ByteArrayOutputStream held;
    private boolean heldOverflow;
    private int status;
    private boolean headPrepared;
    private boolean finished;
    private boolean toolsRunning;
    /** A large blocking answer is being parsed on a worker thread: its records come before the interception's end. */
    private boolean parsing;
    /** The client left while tools ran or an answer was parsed: the interception ends once that is done and recorded. */
    private boolean cancelledWhileTools;
    /** Made when the client first falls behind: most never do. */
    private SlowClient slowClient;
    private long lastWriteNanos = System.nanoTime();
    /** The provider's silence while its answer is read; null until the answer's head arrived. */
    private SilenceTimer silence;
    private long keepAliveTimer = -1;

    InjectedLoop(Vertx vertx, HttpServerResponse out, ProviderType provider, Recording recording, ProxyMetrics metrics, LoopApi api,
                 LoopState loop, McpServers mcp, UpstreamClient upstream, String url, MultiMap headers, ObjectNode body,
                 int requestBytes, int maxRounds, BedrockCall bedrock, ProviderKeys.Walk keys) {
        this.bedrock = bedrock;
        this.keys = keys;
        this.vertx = vertx;
        this.out = out;
        this.provider = provider;
        this.recording = recording;
        this.metrics = metrics;
        this.api = api;
        this.loop = loop;
        this.mcp = mcp;
        this.upstream = upstream;
        this.url = url;
        this.headers = headers;
        this.body = body;
        this.requestBytes = requestBytes;
        this.maxRounds = maxRounds;
        this.idleTimeoutMillis = upstream.idleTimeoutMillis();
    }

    void start() {
        out.putHeader(Relay.INTERCEPTION_HEADER, recording.id().toString());
        out.closeHandler(v -> clientGone());
        out.exceptionHandler(e -> clientGone());
        sendRound();
    }

    // ---------------------------------------------------------------------------------- one round

    private void sendRound() {
        loop.round++;
        observer = api.observer(recording);
        round = api.newRound(loop, observer);
        mode = Mode.WAITING;
        decoder = null;
        held = null;
        heldOverflow = false;
        upstreamResponse = null;
        translator = null;
        // Vert.x adds to the headers it is given; each round gets its own copy
        MultiMap roundHeaders = MultiMap.caseInsensitiveMultiMap().addAll(headers);
        recording.trace().upstreamStarted();
        // writing (and on Bedrock hashing) the body takes milliseconds when it is large: then it is done on a worker
        // thread. The first round's is the client's request with the tool definitions; a later one's also carries
        // the answers and tool results of the rounds before, of any size, and follows tool calls that ran on
        // worker threads anyway: it is always written there.
        long size = loop.toolRounds == 0 ? requestBytes : Long.MAX_VALUE;
        if (bedrock == null) {
            OffLoop.run(vertx, size, () -> Buffer.buffer(LoopApi.bytes(body))).onComplete(made -> {
                if (bodyMade(made)) {
                    UpstreamExchange.send(() -> upstream.request(HttpMethod.POST, url, keys.applyTo(roundHeaders)),
                            made.result(), this, upstream.retries(), keys);
                }
            });
        } else {
            OffLoop.run(vertx, size, () -> bedrock.payload(body)).onComplete(made -> {
                if (bodyMade(made)) {
                    BedrockCall.Payload payload = made.result();
                    UpstreamExchange.send(bedrock.open(upstream, roundHeaders, payload), payload.body(), this, upstream.retries(),
                            ProviderKeys.Walk.NONE);
                }
            });
        }
    }

    /** True when the round's body is made and still wanted (a client that left meanwhile was recorded as gone). */
    private boolean bodyMade(io.vertx.core.AsyncResult<?> made) {
        if (finished) {
            return false;
        }
        if (made.failed()) {
            LOG.errorf(made.cause(), "interception %s: could not make the request of round %d", recording.id(), loop.round);
            finishFailed(500, "internal_error", "AI Bridge could not make the provider request: " + made.cause());
            return false;
        }
        return true;
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
        boolean eventStream = bedrock != null && status < 400 && BedrockCall.isEventStream(response);
        mode = eventStream ? Mode.STREAM : Mode.of(response);
        if (eventStream) {
            translator = new BedrockStreamTranslator(MAX_EVENT_BYTES);
        }
        if (mode == Mode.STREAM) {
            if (!headPrepared && !out.headWritten()) {
                out.setStatusCode(status);
                ForwardedHeaders.downstream(response.headers(), out.headers(), false);
                if (eventStream) {
                    out.headers().set("Content-Type", "text/event-stream; charset=utf-8");
                }
                out.putHeader(Relay.INTERCEPTION_HEADER, recording.id().toString());
                out.putHeader("X-Accel-Buffering", "no");
                out.setChunked(true);
                headPrepared = true;
                startKeepAlive();
            }
            decoder = new SseDecoder(round, round.live(), MAX_EVENT_BYTES);
            if (!round.live()) {
                held = new ByteArrayOutputStream(16 * 1024);
            }
        } else {
            held = new ByteArrayOutputStream(8 * 1024);
        }
        if (mode == Mode.ERROR) {
            metrics.upstreamError(recording.context().providerName(), recording.context().route(), status);
        }
        response.handler(this::onData);
        response.endHandler(v -> onEnd());
        response.exceptionHandler(this::upstreamBroken);
        startSilenceTimer();
    }

    private void onData(Buffer chunk) {
        if (finished) {
            return;
        }
        silence.heard();
        if (mode == Mode.STREAM && translator != null) {
            try {
                chunk = Buffer.buffer(translator.feed(chunk.getBytes())); // from here on, the round reads Anthropic's SSE
            } catch (RuntimeException e) {
                if (upstreamRequest != null) {
                    upstreamRequest.reset();
                }
                upstreamBroken(new IllegalStateException("AWS Bedrock's event stream could not be read: " + e.getMessage(), e));
                return;
            }
        }
        if (mode == Mode.STREAM) {
            byte[] relay = decoder.feed(chunk.getBytes());
            if (round.live()) {
                write(Buffer.buffer(relay));
            } else {
                hold(chunk, MAX_HELD);
            }
        } else {
            hold(chunk, mode == Mode.ERROR ? MAX_ERROR_COPY : MAX_HELD);
        }
    }

    private void hold(Buffer chunk, int limit) {
        if (heldOverflow) {
            return;
        }
        if (held.size() + chunk.length() > limit) {
            heldOverflow = true;
            return;
        }
        held.writeBytes(chunk.getBytes());
    }

    private void onEnd() {
        if (finished) {
            return;
        }
        cancelIdleTimer();
        switch (mode) {
            case STREAM -> streamEnded();
            case BLOCKING -> blockingEnded();
            case ERROR -> errorEnded();
            default -> {
            }
        }
    }

    private void streamEnded() {
        byte[] rest = decoder.finish();
        observeStreamEnd();
        if (heldOverflow) {
            finishFailed(502, "upstream_too_large", "the provider's answer was larger than " + MAX_HELD / (1024 * 1024)
                    + " MiB and could not be inspected for tool calls");
            return;
        }
        if (round.live() && rest != null && rest.length > 0) {
            write(Buffer.buffer(rest));
        }
        if (observer.streamFailed() || !round.terminal() || status >= 400) {
            if (observer.streamFailed()) {
                recording.trace().providerError(observer.streamErrorType());
            }
            recordAbandoned(observer.streamFailed() ? "not run: the provider's stream ended with an error before the round was over"
                    : status >= 400 ? "not run: the provider answered " + status
                    : "not run: the provider's stream ended before the round was over");
            // the provider's error event (or the cut stream) is the client's answer, as without injection, less the injected calls
            if (!round.live()) {
                write(Buffer.buffer(round.finishStream(held.toByteArray())));
            }
            String type = observer.streamFailed() ? "upstream_error" : status >= 400 ? "upstream_error" : "stream_truncated";
            String message = observer.streamFailed() ? observer.streamErrorType() + ": " + observer.streamErrorMessage()
                    : status >= 400 ? "the provider answered " + status : "the provider's stream ended without its final event";
            end(EndStatus.FAILED, type, message);
            return;
        }
        recordUnfinished();
        if (round.loops() && round.overflowed()) {
            tooMuchToHold();
            return;
        }
        if (round.loops()) {
            recording.trace().upstreamCompleted(status);
            runTools(null);
            return;
        }
        recordUnrun();
        if (!round.live()) {
            write(Buffer.buffer(round.finishStream(held.toByteArray())));
        }
        end(EndStatus.COMPLETED, null, null);
    }

    /**
     * The round called injected tools, but streamed more text and arguments than a round holds
     * ({@link LoopState#maxHeldChars}): a tool needs its whole arguments and the next round the whole
     * turn, so the loop cannot go on. The client's stream ends with the API's error frame, the calls
     * are recorded as not run, and the interception ends failed, as for an answer too large to inspect.
     */
    private void tooMuchToHold() {
        String limit = loop.maxHeldChars + " characters (twice AIBRIDGE_EVENTS_MAX_PROMPT_CHARS, at least 1 Mi)";
        for (ToolCall call : round.injectedCalls()) {
            recordNotRun(call, round.responseId(), "not run: the model's text and tool call arguments in its round were longer than "
                    + limit + "; the input recorded is their start");
        }
        finishFailed(502, "upstream_too_large", "the model's text and tool call arguments in round " + loop.round
                + " were longer than " + limit + ", more than AI Bridge holds to run an injected tool");
    }

    private void blockingEnded() {
        if (heldOverflow) {
            finishFailed(502, "upstream_too_large", "the provider's answer was larger than " + MAX_HELD / (1024 * 1024)
                    + " MiB and could not be inspected for tool calls");
            return;
        }
        byte[] raw = held.toByteArray();
        held = null;
        // a large answer is parsed on a worker thread; the round goes on back here
        parsing = true;
        OffLoop.run(vertx, raw.length, () -> Json.parse(raw)).onComplete(parsed -> {
            parsing = false;
            blockingParsed(raw, parsed.succeeded() ? parsed.result() : null);
        });
    }

    private void blockingParsed(byte[] raw, JsonNode json) {
        try {
            observer.onBody(json);
        } catch (RuntimeException e) {
            LOG.warnf("interception %s: could not read the response body (%s)", recording.id(), e.toString());
        }
        round.inspect(json);
        if (cancelledWhileTools) {
            // the client left while the answer was parsed: its records are in, now the end
            recording.end(EndStatus.CANCELLED, out.headWritten() ? status : null, "client_disconnected",
                    "the client closed the connection before the answer ended");
            return;
        }
        if (json != null && status < 400 && round.loops()) {
            recording.trace().upstreamCompleted(status);
            runTools(json);
            return;
        }
        recordUnrun();
        byte[] answer = json == null || status >= 400 ? null : round.finalBody(json);
        out.setStatusCode(status);
        if (upstreamResponse.statusMessage() != null) {
            out.setStatusMessage(upstreamResponse.statusMessage());
        }
        ForwardedHeaders.downstream(upstreamResponse.headers(), out.headers(), false);
        out.putHeader(Relay.INTERCEPTION_HEADER, recording.id().toString());
        recording.firstByte();
        out.end(Buffer.buffer(answer == null ? raw : answer));
        finished = true;
        stopTimers();
        if (status < 400 && observer.streamFailed()) {
            // a 200 whose body says it failed (a Responses status "failed")
            recording.endFailedByProvider(status, observer);
            return;
        }
        recording.end(status < 400 ? EndStatus.COMPLETED : EndStatus.FAILED, status, status < 400 ? null : "upstream_error",
                status < 400 ? null : "the provider answered " + status);
    }

    private void errorEnded() {
        byte[] raw = bedrock == null ? held.toByteArray()
                : BedrockErrors.toAnthropic(status, upstreamResponse.getHeader("x-amzn-ErrorType"), held.toByteArray());
        String message = errorMessage(raw);
        recording.trace().providerError(Relay.errorType(raw));
        if (!out.headWritten()) {
            // nothing reached the client yet: it gets the provider's error as it is
            out.headers().clear();
            out.setChunked(false);
            out.setStatusCode(status);
            ForwardedHeaders.downstream(upstreamResponse.headers(), out.headers(), false);
            out.putHeader(Relay.INTERCEPTION_HEADER, recording.id().toString());
            recording.firstByte();
            out.end(Buffer.buffer(raw));
            finished = true;
            stopTimers();
            recording.end(EndStatus.FAILED, status, "upstream_error", message);
            return;
        }
        write(Buffer.buffer(api.errorFrame(observer, "the provider answered " + status + ": " + message)));
        end(EndStatus.FAILED, "upstream_error", message);
    }

    // ---------------------------------------------------------------------------------- tools

    /**
     * Runs the round's injected calls one after the other, records each, then starts the next round.
     * Once the client has left, the calls not started yet are not started (a tool's side effects would
     * serve nobody); the one running then finishes and is recorded.
     */
    private void runTools(JsonNode blockingBody) {
        toolsRunning = true;
        List<ToolCall> calls = round.injectedCalls();
        List<ToolResult> results = new ArrayList<>(calls.size());
        io.opentelemetry.api.common.Attributes attributes = recording.trace().attributes();
        Future<Void> chain = Future.succeededFuture();
        String responseId = round.responseId();
        for (ToolCall call : calls) {
            chain = chain.compose(v -> {
                if (finished) { // the client left: no new call starts, but the model did make it
                    recordNotRun(call, responseId, "not run: the client closed the connection before it started");
                    return Future.<Void>succeededFuture();
                }
                return runOne(call, responseId, attributes).map(outcome -> {
                    results.add(new ToolResult(call, outcome));
                    return null;
                });
            });
        }
        chain.onComplete(ar -> {
            toolsRunning = false;
            if (cancelledWhileTools || finished) {
                recording.end(EndStatus.CANCELLED, out.headWritten() ? status : null, "client_disconnected",
                        "the client closed the connection while an injected tool was running");
                return;
            }
            loop.toolRounds++;
            round.appendFollowUp(body, blockingBody, results);
            if (loop.toolRounds >= maxRounds) {
                // the limit: the model gets these results, and must answer without calling tools
                api.forbidTools(body);
                loop.finalRound = true;
                LOG.infof("interception %s: %d rounds of injected tool calls, the limit; asking the model to answer without tools",
                        recording.id(), loop.toolRounds);
            }
            sendRound();
        });
    }

    private Future<ToolCallOutcome> runOne(ToolCall call, String responseId, io.opentelemetry.api.common.Attributes attributes) {
        ToolSet.Entry entry = loop.tools.get(call.name());
        String input = Json.normalize(call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments());
        Map<String, Object> arguments = arguments(call.arguments());
        Future<ToolCallOutcome> outcome = arguments == null
                ? Future.succeededFuture(ToolCallOutcome.failed("the arguments are not a JSON object: " + call.arguments()))
                : mcp.call(entry, arguments, input, recording.trace().processContext(), attributes);
        return outcome.map(o -> {
            recording.injectedTool(responseId, call.id(), entry.tool().serverUrl(), entry.tool().name(), input, o.invocationError());
            return o;
        });
    }

    private static Map<String, Object> arguments(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            return node != null && node.isObject() ? Json.MAPPER.convertValue(node, new TypeReference<Map<String, Object>>() { }) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Injected calls the loop ends with (client tools in the same turn, or the round limit) are recorded as not run. */
    private void recordUnrun() {
        if (round.injectedCalls().isEmpty()) {
            return;
        }
        String why = round.clientCalls() ? "not run: the model called the client's own tools in the same turn"
                : "not run: the limit of " + maxRounds + " rounds of injected tool calls was reached";
        for (ToolCall call : round.injectedCalls()) {
            recordNotRun(call, round.responseId(), why);
        }
    }

    /**
     * The round's stream did not end as one the loop goes on from (an error event or status, a cut or
     * broken stream, the client gone): none of the injected calls it carried runs. Each is recorded as
     * not run, the complete ones with {@code why} and those still open with the arguments that had
     * arrived, so that the record holds every tool call the model made.
     */
    private void recordAbandoned(String why) {
        if (!round.terminal()) {
            round.cut();
        }
        for (ToolCall call : round.injectedCalls()) {
            recordNotRun(call, round.responseId(), why);
        }
        recordUnfinished();
    }

    /** The injected calls the round's stream began but did not complete: never run, as their input may be cut. */
    private void recordUnfinished() {
        for (ToolCall call : round.unfinishedCalls()) {
            recordNotRun(call, round.responseId(), "not run: the provider's stream ended the message before the call was complete;"
                    + " the input recorded is what had arrived");
        }
    }

    private void recordNotRun(ToolCall call, String responseId, String why) {
        ToolSet.Entry entry = loop.tools.get(call.name());
        recording.injectedToolNotRun(responseId, call.id(), entry.tool().serverUrl(), entry.tool().name(),
                Json.normalize(call.arguments()), why);
    }

    // ---------------------------------------------------------------------------------- output

    private void write(Buffer chunk) {
        if (chunk.length() == 0 || out.closed()) {
            return;
        }
        recording.firstByte();
        lastWriteNanos = System.nanoTime();
        out.write(chunk, null); // no future per chunk: a failure reaches the close handler
        if (out.writeQueueFull() && upstreamResponse != null && mode == Mode.STREAM) {
            HttpClientResponse paused = upstreamResponse;
            paused.pause();
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
                    paused.resume();
                }
            });
        }
    }

    private void end(EndStatus endStatus, String errorType, String errorMessage) {
        finished = true;
        stopTimers();
        out.end();
        recording.end(endStatus, status, errorType, errorMessage);
    }

    /** An answer the proxy cannot deliver: an error status if nothing was sent, else an error frame. */
    private void finishFailed(int code, String type, String message) {
        LOG.warnf("interception %s: %s", recording.id(), message);
        finished = true;
        stopTimers();
        if (!out.headWritten()) {
            out.headers().clear();
            out.setChunked(false);
            out.putHeader(Relay.INTERCEPTION_HEADER, recording.id().toString());
            ProviderErrors.send(out, provider, code, message, type);
            recording.end(EndStatus.FAILED, code, type, message);
        } else {
            out.write(Buffer.buffer(api.errorFrame(observer, message)));
            out.end();
            recording.end(EndStatus.FAILED, status, type, message);
        }
    }

    // ---------------------------------------------------------------------------------- failures

    @Override
    public void upstreamFailed(Throwable cause) {
        if (finished) {
            return;
        }
        boolean timeout = Relay.isTimeout(cause);
        metrics.upstreamError(recording.context().providerName(), recording.context().route(), 0);
        String message = timeout ? "the provider did not answer within " + idleTimeoutMillis / 1000 + " s"
                : "could not reach the provider: " + describe(cause);
        finishFailed(timeout ? 504 : 502, timeout ? "timeout" : "upstream_unreachable", message);
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
    public void upstreamBroken(Throwable cause) {
        if (finished || parsing) {
            return; // a whole answer being parsed is no broken one
        }
        if (mode == Mode.STREAM) {
            observeStreamEnd();
        }
        boolean timeout = Relay.isTimeout(cause);
        String message = timeout ? "the provider went silent for " + idleTimeoutMillis / 1000 + " s in the middle of its answer"
                : "the provider's connection broke in the middle of its answer: " + describe(cause);
        if (mode == Mode.STREAM) {
            recordAbandoned(timeout ? "not run: the provider went silent before the round was over"
                    : "not run: the provider's connection broke before the round was over");
        }
        if (!round.live() && held != null && mode == Mode.STREAM && out.headWritten()) {
            write(Buffer.buffer(round.finishStream(held.toByteArray()))); // what arrived, less the injected calls
        }
        finishFailed(timeout ? 504 : 502, timeout ? "timeout" : mode == Mode.STREAM ? "stream_broken" : "upstream_broken", message);
    }

    private void clientGone() {
        if (finished) {
            return;
        }
        finished = true;
        stopTimers();
        if (upstreamRequest != null) {
            upstreamRequest.reset();
        }
        if (mode == Mode.STREAM) {
            observeStreamEnd();
        }
        if (toolsRunning || parsing) {
            // the running call (or the answer being parsed) is recorded when it is done; the interception ends then
            cancelledWhileTools = true;
            return;
        }
        if (mode == Mode.STREAM) {
            recordAbandoned("not run: the client closed the connection before the round was over");
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

    // ---------------------------------------------------------------------------------- timers

    /** {@code AIBRIDGE_UPSTREAM_TIMEOUT} on the answer's body: a provider that goes silent ends the interception as timed out. */
    private void startSilenceTimer() {
        cancelIdleTimer();
        silence = SilenceTimer.start(vertx, idleTimeoutMillis, () -> {
            if (finished || mode == Mode.WAITING && upstreamResponse == null) {
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

    /** While tools run (or a later round is awaited), a streaming client gets a keep-alive frame after 10 s of silence. */
    private void startKeepAlive() {
        keepAliveTimer = vertx.setPeriodic(KEEP_ALIVE_MILLIS / 2, id -> {
            if (!finished && System.nanoTime() - lastWriteNanos >= KEEP_ALIVE_MILLIS * 1_000_000) {
                write(Buffer.buffer(api.keepAlive()));
            }
        });
    }

    private void stopTimers() {
        cancelIdleTimer();
        if (keepAliveTimer >= 0) {
            vertx.cancelTimer(keepAliveTimer);
            keepAliveTimer = -1;
        }
    }

    private String errorMessage(byte[] bytes) {
        JsonNode json = Json.parse(bytes);
        JsonNode error = json == null ? null : json.get("error");
        if (error != null && error.isObject() && error.path("message").isTextual()) {
            String type = error.path("type").isTextual() ? error.path("type").asText() + ": " : "";
            return type + error.path("message").asText();
        }
        return "the provider answered " + status;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
