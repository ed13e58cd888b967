package io.aibridge.proxy.tracing;

import io.aibridge.events.EndStatus;
import io.aibridge.telemetry.TraceHeaders;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.aibridge.proxy.tracing.InterceptionSpans.*;

/**
 * The spans of one interception while tracing is on. {@code Intercept}, and from the start of
 * processing {@code Intercept.ProcessRequest}, are the current span on the request's Vert.x
 * context until the interception ends, so that log records ({@code AIBRIDGE_TRACE_LOGS}) and spans
 * started meanwhile (a user's MCP sessions) land in this trace.
 */
final class LiveInterceptionTrace extends InterceptionTrace {

    private final Tracer tracer;
    private final String genAiProvider;
    private final boolean genAiSpanNames;
    private final Span intercept;
    private final Context interceptContext;
    private Attributes attributes;
    private Scope interceptScope;
    private Span createInterceptor;
    private Map<String, String> headers;

    private Span process;
    private Context processContext;
    private Scope processScope;
    private Span record;

    private String requestModel;
    private boolean streaming;
    private String conversationId;
    private String previousResponseId;
    private String serverAddress;
    private long serverPort = -1;

    private Span upstream;
    private final List<String> finishReasons = new ArrayList<>(2);
    private String providerErrorType;
    private boolean ended;

    /**
     * @param genAiSpanNames name each upstream call's span as the GenAI conventions do ({@code chat
     *                       claude-sonnet-4-5}) instead of {@code Intercept.ProcessRequest.Upstream}
     */
    LiveInterceptionTrace(Tracer tracer, Attributes requestAttributes, String genAiProvider, boolean genAiSpanNames) {
        this.tracer = tracer;
        this.genAiProvider = genAiProvider;
        this.genAiSpanNames = genAiSpanNames;
        this.attributes = requestAttributes;
        this.intercept = tracer.spanBuilder(INTERCEPT).setParent(Context.current()).setAllAttributes(requestAttributes).startSpan();
        this.interceptContext = Context.current().with(intercept);
        this.interceptScope = interceptContext.makeCurrent();
        this.createInterceptor = child(CREATE_INTERCEPTOR, interceptContext, SpanKind.INTERNAL);
    }

    private Span child(String name, Context parent, SpanKind kind) {
        return tracer.spanBuilder(name).setParent(parent).setSpanKind(kind).setAllAttributes(attributes).startSpan();
    }

    @Override
    public void refused(String message) {
        if (ended) {
            return;
        }
        ended = true;
        createInterceptor.setStatus(StatusCode.ERROR, message);
        createInterceptor.end();
        intercept.setStatus(StatusCode.ERROR, message);
        intercept.end();
        closeScopes();
    }

    @Override
    public void created(UUID interceptionId, String model, boolean streaming, String clientSessionId, String previousResponseId,
                        String upstreamUrl) {
        this.attributes = attributes.toBuilder()
                .put(INTERCEPTION_ID, interceptionId.toString())
                .put(MODEL, model)
                .put(STREAMING, streaming)
                .build();
        this.requestModel = model;
        this.streaming = streaming;
        this.conversationId = clientSessionId == null || clientSessionId.isEmpty() ? null : clientSessionId;
        this.previousResponseId = previousResponseId;
        server(upstreamUrl);
        intercept.setAllAttributes(attributes);
        createInterceptor.setAllAttributes(attributes);
        createInterceptor.end();
        createInterceptor = null;
    }

    private void server(String url) {
        try {
            URI uri = URI.create(url);
            serverAddress = uri.getHost();
            int port = uri.getPort();
            serverPort = port >= 0 ? port : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
        } catch (RuntimeException e) {
            serverAddress = null; // a bad base URL fails the call itself; the span just goes without
        }
    }

    @Override
    public Map<String, String> eventHeaders() {
        if (headers == null) {
            headers = TraceHeaders.of(intercept);
        }
        return headers;
    }

    @Override
    public void recording(String spanName) {
        if (record != null) {
            record.end();
        }
        boolean underProcess = process != null && !RECORD_INTERCEPTION.equals(spanName) && !RECORD_INTERCEPTION_ENDED.equals(spanName);
        record = child(spanName, underProcess ? processContext : interceptContext, SpanKind.INTERNAL);
    }

    @Override
    public void recorded() {
        if (record != null) {
            record.end();
            record = null;
        }
    }

    @Override
    public void processing() {
        if (process != null || ended) {
            return;
        }
        process = child(PROCESS_REQUEST, interceptContext, SpanKind.INTERNAL);
        processContext = interceptContext.with(process);
        processScope = processContext.makeCurrent();
    }

    @Override
    public Attributes attributes() {
        return attributes;
    }

    @Override
    public Context processContext() {
        return processContext != null ? processContext : interceptContext;
    }

    @Override
    public void upstreamStarted() {
        if (ended) {
            return;
        }
        if (upstream != null) {
            endUpstream(null, null, null);
        }
        var builder = tracer.spanBuilder(upstreamSpanName()).setParent(processContext()).setSpanKind(SpanKind.CLIENT)
                .setAllAttributes(attributes)
                .setAttribute(GEN_AI_OPERATION, CHAT)
                .setAttribute(GEN_AI_PROVIDER, genAiProvider)
                .setAttribute(GEN_AI_REQUEST_MODEL, requestModel);
        if (streaming) {
            builder.setAttribute(GEN_AI_REQUEST_STREAM, true);
        }
        if (conversationId != null) {
            builder.setAttribute(GEN_AI_CONVERSATION, conversationId);
        }
        if (previousResponseId != null) {
            builder.setAttribute(GEN_AI_PREVIOUS_RESPONSE, previousResponseId);
        }
        if (serverAddress != null) {
            builder.setAttribute(SERVER_ADDRESS, serverAddress).setAttribute(SERVER_PORT, serverPort);
        }
        upstream = builder.startSpan();
        finishReasons.clear();
        providerErrorType = null;
    }

    /** {@code {gen_ai.operation.name} {gen_ai.request.model}} under the GenAI opt-in, the reference's name otherwise. */
    private String upstreamSpanName() {
        if (!genAiSpanNames) {
            return UPSTREAM;
        }
        return requestModel == null || requestModel.isEmpty() ? CHAT : CHAT + " " + requestModel;
    }

    @Override
    public void upstreamRetry(int retry, int status, String reason, long delayMillis) {
        if (upstream == null || ended) {
            return;
        }
        AttributesBuilder event = Attributes.builder().put(RESEND_COUNT, retry).put(RETRY_DELAY_MS, delayMillis);
        if (status > 0) {
            event.put(HTTP_STATUS, status).put(ERROR_TYPE, Integer.toString(status));
        } else {
            event.put(ERROR_TYPE, reason == null ? "unreachable" : reason);
        }
        upstream.addEvent("upstream retry", event.build());
        upstream.setAttribute(RESEND_COUNT, retry);
    }

    @Override
    public void upstreamKeyFailover(int status, String fromHint, String toHint) {
        if (upstream == null || ended) {
            return;
        }
        upstream.addEvent("upstream key failover", Attributes.builder().put(HTTP_STATUS, status)
                .put(ERROR_TYPE, Integer.toString(status)).put(KEY_FROM, fromHint).put(KEY_TO, toHint).build());
    }

    @Override
    public void responseModel(String model) {
        if (upstream != null && model != null && !model.isEmpty()) {
            upstream.setAttribute(GEN_AI_RESPONSE_MODEL, model);
        }
    }

    @Override
    public void finishReason(String reason) {
        if (upstream != null && reason != null && !reason.isEmpty() && !finishReasons.contains(reason)) {
            finishReasons.add(reason);
        }
    }

    @Override
    public void usage(String responseId, long input, long output, long cacheRead, long cacheWrite, long reasoning) {
        if (upstream == null) {
            return;
        }
        if (responseId != null && !responseId.isEmpty()) {
            upstream.setAttribute(GEN_AI_RESPONSE_ID, responseId);
        }
        // OpenTelemetry counts all input, cache reads and writes included; the recorded input_tokens excludes them
        upstream.setAttribute(GEN_AI_INPUT_TOKENS, Math.max(0, input) + Math.max(0, cacheRead) + Math.max(0, cacheWrite));
        upstream.setAttribute(GEN_AI_OUTPUT_TOKENS, Math.max(0, output));
        upstream.setAttribute(GEN_AI_CACHE_READ, Math.max(0, cacheRead));
        upstream.setAttribute(GEN_AI_CACHE_WRITE, Math.max(0, cacheWrite));
        if (reasoning >= 0) {
            upstream.setAttribute(GEN_AI_REASONING, reasoning);
        }
    }

    @Override
    public void providerError(String type) {
        if (type != null && !type.isEmpty()) {
            providerErrorType = type;
        }
    }

    @Override
    public void upstreamCompleted(int httpStatus) {
        if (upstream != null) {
            endUpstream(httpStatus, null, null);
        }
    }

    /** Ends the open upstream span; failed when {@code errorType} is set. */
    private void endUpstream(Integer httpStatus, String errorType, String message) {
        Span span = upstream;
        upstream = null;
        if (httpStatus != null && httpStatus > 0) {
            span.setAttribute(HTTP_STATUS, httpStatus.longValue());
        }
        if (errorType != null) {
            if (finishReasons.isEmpty()) {
                finishReasons.add(FINISH_ERROR);
            }
            span.setAttribute(ERROR_TYPE, providerErrorType != null ? providerErrorType
                    : httpStatus != null && httpStatus >= 400 ? String.valueOf(httpStatus) : errorType);
            span.setStatus(StatusCode.ERROR, message == null ? errorType : message);
        }
        if (!finishReasons.isEmpty()) {
            span.setAttribute(GEN_AI_FINISH_REASONS, List.copyOf(finishReasons));
        }
        span.end();
    }

    @Override
    public void processEnded(EndStatus status, Integer httpStatus, String errorType, String errorMessage) {
        boolean failed = status == EndStatus.FAILED;
        if (upstream != null) {
            endUpstream(httpStatus, failed ? (errorType == null ? "error" : errorType) : null, errorMessage);
        }
        if (createInterceptor != null) {
            createInterceptor.end();
            createInterceptor = null;
        }
        if (process != null) {
            if (failed) {
                process.setAttribute(ERROR_TYPE, errorType == null ? "error" : errorType);
                process.setStatus(StatusCode.ERROR, errorMessage == null ? errorType : errorMessage);
            }
            process.end();
            if (processScope != null) {
                processScope.close();
                processScope = null;
            }
            processContext = null;
            process = null;
        }
    }

    @Override
    public void ended(EndStatus status, Integer httpStatus, String errorMessage) {
        if (ended) {
            return;
        }
        ended = true;
        if (record != null) {
            record.end();
            record = null;
        }
        intercept.setAttribute(END_STATUS, status.wireName());
        if (httpStatus != null) {
            intercept.setAttribute(HTTP_STATUS, httpStatus.longValue());
        }
        if (status == EndStatus.FAILED) {
            intercept.setStatus(StatusCode.ERROR, errorMessage == null ? "failed" : errorMessage);
        }
        intercept.end();
        closeScopes();
    }

    private void closeScopes() {
        if (processScope != null) {
            processScope.close();
            processScope = null;
        }
        if (interceptScope != null) {
            interceptScope.close();
            interceptScope = null;
        }
    }
}
