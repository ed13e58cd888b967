package io.aibridge.proxy.interception;

import io.aibridge.events.EndStatus;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.ThoughtSource;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.identity.Principal;
import io.aibridge.proxy.events.EventPublisher;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.tracing.InterceptionSpans;
import io.aibridge.proxy.tracing.InterceptionTrace;
import io.aibridge.proxy.upstream.UpstreamCredential;

import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything recorded about one interception, as events, in order: started, then prompt, token
 * usage, tool usage and thoughts as observed, then exactly one ended. Timestamps are the bridge's
 * clock. Metrics are updated as the facts are emitted, and each event is handed over inside its
 * {@code Intercept.Record*} span with the trace context of the {@code Intercept} span as record
 * headers (none while tracing is off). Used from the request's event loop only.
 */
public final class Recording {

    /** What the interception is: fixed at start. */
    public record Context(String provider, String providerName, String route, String method, String model, String client,
                          boolean streaming) {
    }

    private static final Logger LOG = Logger.getLogger(Recording.class);
    /** Metadata of an event whose text (prompt, tool input, thought) was cut: {@code true}. */
    static final String TRUNCATED = "truncated";
    /** Metadata of an event whose text was cut: the whole text's length in UTF-16 code units. */
    static final String ORIGINAL_LENGTH = "original_length";
    /** As {@link #TRUNCATED}, for an injected tool's {@code invocation_error} (its input may be cut as well). */
    static final String ERROR_TRUNCATED = "invocation_error_truncated";
    /** As {@link #ORIGINAL_LENGTH}, for an injected tool's {@code invocation_error}. */
    static final String ERROR_ORIGINAL_LENGTH = "invocation_error_original_length";

    private final EventPublisher publisher;
    private final ProxyMetrics metrics;
    private final Context context;
    private final UUID id;
    private final InterceptionTrace trace;
    private final Instant startedAt;
    private final long startNanos;
    private final AtomicLong inflight;
    private final String prompt;
    /** Longest text kept in an event (prompt, tool input, thought, invocation error); longer ones are cut and flagged. */
    private final int maxTextChars;
    private final Map<String, Object> promptMetadata;
    private boolean promptRecorded;
    /** After a key failover, the masked key the answer came with (a walk never goes back to a key it tried); else null. */
    private String answerHint;
    private long firstByteNanos = -1;
    private boolean ended;
    private boolean notRecordedLogged;
    private java.util.function.Predicate<String> injectedTools = name -> false;
    private EndListener endListener;

    /** Told how the interception ended, once, after its end was emitted. */
    @FunctionalInterface
    public interface EndListener {
        /** @param httpStatus the status written to the client; null when none was */
        void ended(EndStatus status, Integer httpStatus);
    }

    private Recording(EventPublisher publisher, ProxyMetrics metrics, Context context, UUID id, InterceptionTrace trace,
                      String prompt, int maxTextChars) {
        this.maxTextChars = maxTextChars;
        this.publisher = publisher;
        this.id = id;
        this.trace = trace;
        this.metrics = metrics;
        this.context = context;
        Kept kept = keep(prompt, -1, TRUNCATED, ORIGINAL_LENGTH);
        this.prompt = kept.text() == null || kept.text().isEmpty() ? null : kept.text();
        this.promptMetadata = kept.metadata();
        this.startedAt = Instant.now();
        this.startNanos = System.nanoTime();
        this.inflight = metrics.started(context.providerName(), context.model(), context.route());
    }

    /**
     * Starts an interception: emits {@link InterceptionStarted} before the upstream call.
     *
     * @param id     the interception id (also on its spans)
     * @param prompt the extracted prompt, recorded once the first upstream response id is known; cut
     *               past {@code maxPromptChars} as every text an event carries is ({@link #keep})
     */
    public static Recording start(EventPublisher publisher, ProxyMetrics metrics, Context context, UUID id, InterceptionTrace trace,
                                  Principal principal, String clientSessionId, String userAgent, String correlatingToolCallId,
                                  UpstreamCredential credential, String prompt, int maxPromptChars) {
        Recording r = new Recording(publisher, metrics, context, id, trace, prompt, maxPromptChars);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("Username", principal.username());
        if (userAgent != null) {
            metadata.put("request_user_agent", userAgent);
        }
        r.publish(InterceptionSpans.RECORD_INTERCEPTION, new InterceptionStarted(EventCodec.newEventId(), r.id, r.startedAt,
                principal.userId(), principal.username(), principal.apiKeyId(), context.provider(), context.providerName(),
                context.model(), context.client(), clientSessionId, userAgent, correlatingToolCallId, credential.kind(),
                credential.hint(), context.streaming(), context.route(), metadata));
        return r;
    }

    public UUID id() {
        return id;
    }

    public Context context() {
        return context;
    }

    /** The interception's spans ({@link InterceptionTrace#OFF} while tracing is off). */
    public InterceptionTrace trace() {
        return trace;
    }

    /** Hands one event to the publisher inside its record span, with the trace context as headers. */
    private void publish(String spanName, io.aibridge.events.InterceptionEvent event) {
        trace.recording(spanName);
        publisher.publish(event, trace.eventHeaders());
        trace.recorded();
    }

    public boolean ended() {
        return ended;
    }

    /**
     * A provider call failed and is made again after {@code delayMillis} ({@code retry} 1 for the
     * first): counted as an upstream error and a retry, noted on the upstream span, and logged.
     *
     * @param status the provider's status, 0 when it could not be reached ({@code reason} says why)
     */
    public void upstreamRetry(int retry, int status, String reason, long delayMillis) {
        metrics.upstreamError(context.providerName(), context.route(), status);
        metrics.upstreamRetry(context.providerName(), context.route(), status);
        trace.upstreamRetry(retry, status, reason, delayMillis);
        LOG.infof("interception %s: %s %s: %s; retry %d in %d ms", id, context.providerName(), context.route(),
                status == 0 ? "could not reach the provider: " + reason : "the provider answered " + status, retry, delayMillis);
    }

    /**
     * The provider turned the configured key {@code fromHint} away with {@code status}: the call is
     * made again at once with {@code toHint}, which the end then records as the key the answer came with.
     */
    public void upstreamKeyFailover(int status, String fromHint, String toHint) {
        answerHint = toHint;
        metrics.upstreamError(context.providerName(), context.route(), status);
        trace.upstreamKeyFailover(status, fromHint, toHint);
        LOG.infof("interception %s: %s %s: the provider answered %d for key %s; sent again with key %s", id, context.providerName(),
                context.route(), status, fromHint, toHint);
    }

    /** The first byte went to the client now. */
    public void firstByte() {
        if (firstByteNanos < 0) {
            firstByteNanos = System.nanoTime();
            metrics.timeToFirstByte(context.providerName(), context.route(), firstByteNanos - startNanos);
        }
    }

    /** Records the prompt with the first upstream response's id; later calls do nothing. */
    public void prompt(String providerResponseId) {
        if (promptRecorded || ended) {
            return;
        }
        promptRecorded = true;
        if (prompt != null) {
            publish(InterceptionSpans.RECORD_PROMPT_USAGE, new PromptRecorded(EventCodec.newEventId(), id, startedAt, Instant.now(),
                    providerResponseId, prompt, promptMetadata));
            metrics.prompt(context.providerName(), context.model(), context.client());
        }
    }

    /** One upstream response's usage, from a provider that reports no reasoning tokens. */
    public void tokens(String providerResponseId, long input, long output, long cacheRead, long cacheWrite, Map<String, Long> extra) {
        tokens(providerResponseId, input, output, cacheRead, cacheWrite, -1, extra);
    }

    /**
     * One upstream response's usage.
     *
     * @param reasoning the reasoning output tokens the provider reported, or -1 when it reported none
     *                  (then the span gets no {@code gen_ai.usage.reasoning.output_tokens}); the
     *                  event carries them only in {@code extra}
     */
    public void tokens(String providerResponseId, long input, long output, long cacheRead, long cacheWrite, long reasoning,
                       Map<String, Long> extra) {
        if (ended) {
            return;
        }
        publish(InterceptionSpans.RECORD_TOKEN_USAGE, new TokenUsageRecorded(EventCodec.newEventId(), id, startedAt, Instant.now(),
                providerResponseId, Math.max(0, input), Math.max(0, output), Math.max(0, cacheRead), Math.max(0, cacheWrite), extra));
        trace.usage(providerResponseId, input, output, cacheRead, cacheWrite, reasoning);
        String p = context.providerName();
        metrics.tokens(p, context.model(), context.client(), "input", input);
        metrics.tokens(p, context.model(), context.client(), "output", output);
        metrics.tokens(p, context.model(), context.client(), "cache_read_input_tokens", cacheRead);
        metrics.tokens(p, context.model(), context.client(), "cache_write_input_tokens", cacheWrite);
        extra.forEach((type, count) -> metrics.tokens(p, context.model(), context.client(), type, count));
    }

    /**
     * The longest text an event keeps ({@code AIBRIDGE_EVENTS_MAX_PROMPT_CHARS}): what an observer
     * collects over a stream's events stops growing there ({@link StreamedText}).
     */
    public int maxTextChars() {
        return maxTextChars;
    }

    public void tool(String providerResponseId, String toolCallId, String tool, String input) {
        tool(providerResponseId, toolCallId, tool, input, -1);
    }

    /**
     * A call of one of the client's own tools. An input longer than {@link #maxTextChars()} is cut
     * and flagged as an over-long prompt is: {@code truncated}, {@code original_length} in the metadata.
     *
     * @param originalLength the input's whole length when the observer kept only its start ({@link StreamedText}), else -1
     */
    public void tool(String providerResponseId, String toolCallId, String tool, String input, long originalLength) {
        if (ended || tool == null || tool.isEmpty() || injectedTools.test(tool)) {
            return;
        }
        Kept kept = keep(input, originalLength, TRUNCATED, ORIGINAL_LENGTH);
        publish(InterceptionSpans.RECORD_TOOL_USAGE, new ToolUsageRecorded(EventCodec.newEventId(), id, startedAt, Instant.now(),
                providerResponseId, toolCallId, tool, kept.text(), false, null, null, kept.metadata()));
        metrics.toolSelection(context.providerName(), context.model(), tool);
    }

    /**
     * The response holds more than an observer records (more choices or tool calls than it keeps
     * track of): what is past its bounds is relayed to the client but not recorded. Logged once per
     * interception, with the first reason, so that an operator can tell a record is incomplete.
     */
    public void notRecorded(String why) {
        if (!notRecordedLogged) {
            notRecordedLogged = true;
            LOG.warnf("interception %s: %s %s: not everything the provider answered is recorded: %s", id, context.providerName(),
                    context.route(), why);
        }
    }

    /** {@link #notRecorded} was called: the record of this interception is incomplete. */
    boolean notRecordedLogged() {
        return notRecordedLogged;
    }

    /**
     * Calls to these tool names are the bridge's own (injected MCP tools): the observers skip them,
     * and {@link #injectedTool} records each once it has run.
     */
    public void injectedTools(java.util.function.Predicate<String> names) {
        this.injectedTools = names;
    }

    /**
     * An injected tool the bridge ran (or refused to run); counted in
     * {@code aibridge_injected_tool_invocations_total}.
     *
     * @param tool            the tool's original MCP name
     * @param invocationError why it failed; null on success
     */
    public void injectedTool(String providerResponseId, String toolCallId, String serverUrl, String tool, String input,
                             String invocationError) {
        if (ended) {
            return;
        }
        injectedToolUsage(providerResponseId, toolCallId, serverUrl, tool, input, invocationError);
        metrics.injectedToolInvocation(context.providerName(), context.model(), serverUrl, tool);
    }

    /**
     * An injected call the loop ended without running (round limit, the client's own tools in the same
     * turn): recorded with why, but not an invocation, so not counted (the reference counts executed calls).
     */
    public void injectedToolNotRun(String providerResponseId, String toolCallId, String serverUrl, String tool, String input,
                                   String why) {
        if (!ended) {
            injectedToolUsage(providerResponseId, toolCallId, serverUrl, tool, input, why);
        }
    }

    /**
     * Both texts are cut past {@link #maxTextChars()}: the input (the model's whole arguments) is
     * flagged as a client tool's is, the error (an MCP server's own text, or arguments quoted in it)
     * with keys of its own, {@value #ERROR_TRUNCATED} and {@value #ERROR_ORIGINAL_LENGTH}.
     */
    private void injectedToolUsage(String providerResponseId, String toolCallId, String serverUrl, String tool, String input,
                                   String invocationError) {
        Kept keptInput = keep(input, -1, TRUNCATED, ORIGINAL_LENGTH);
        Kept keptError = keep(invocationError, -1, ERROR_TRUNCATED, ERROR_ORIGINAL_LENGTH);
        Map<String, Object> metadata = keptInput.metadata();
        if (!keptError.metadata().isEmpty()) {
            metadata = new LinkedHashMap<>(metadata);
            metadata.putAll(keptError.metadata());
        }
        publish(InterceptionSpans.RECORD_TOOL_USAGE, new ToolUsageRecorded(EventCodec.newEventId(), id, startedAt, Instant.now(),
                providerResponseId, toolCallId, tool, keptInput.text(), true, serverUrl, keptError.text(), metadata));
    }

    public void thought(String providerResponseId, String content, ThoughtSource source) {
        thought(providerResponseId, content, source, -1);
    }

    /**
     * A piece of reasoning; cut and flagged past {@link #maxTextChars()} as {@link #tool} inputs are.
     *
     * @param originalLength the content's whole length when the observer kept only its start, else -1
     */
    public void thought(String providerResponseId, String content, ThoughtSource source, long originalLength) {
        if (ended || content == null || content.isEmpty()) {
            return;
        }
        Kept kept = keep(content, originalLength, TRUNCATED, ORIGINAL_LENGTH);
        publish(InterceptionSpans.RECORD_MODEL_THOUGHT, new ModelThoughtRecorded(EventCodec.newEventId(), id, startedAt,
                Instant.now(), providerResponseId, kept.text(), source, kept.metadata()));
    }

    /** A text as an event keeps it, and the metadata that says it was cut. */
    private record Kept(String text, Map<String, Object> metadata) {
    }

    /**
     * The one rule for every text an event carries: at most {@link #maxTextChars()} UTF-16 code
     * units, never ending in half a surrogate pair (a lone surrogate is not valid JSON text for a
     * strict parser), and, when cut, flagged with {@code truncatedKey} and the whole length under
     * {@code lengthKey}.
     *
     * @param originalLength the text's whole length when the caller kept only its start, else -1
     */
    private Kept keep(String text, long originalLength, String truncatedKey, String lengthKey) {
        if (text == null) {
            return new Kept(null, Map.of());
        }
        String kept = text;
        if (maxTextChars > 0) {
            kept = Texts.prefix(text, maxTextChars);
        }
        long original = Math.max(originalLength, text.length());
        return new Kept(kept, original > kept.length() ? Map.of(truncatedKey, true, lengthKey, original) : Map.of());
    }

    /** Adds who is told of the end (the circuit breaker's permit, the MCP sessions a tool loop holds), in the order added. */
    public void onEnd(EndListener listener) {
        EndListener before = endListener;
        this.endListener = before == null ? listener : (status, httpStatus) -> {
            before.ended(status, httpStatus);
            listener.ended(status, httpStatus);
        };
    }

    /**
     * Ends the interception as failed because the provider's answer says so under {@code httpStatus}
     * (an error event or {@code response.failed} in a stream, a Responses body whose status is
     * {@code failed}): {@code upstream_error} with the provider's error type and message, also on the span.
     */
    public void endFailedByProvider(int httpStatus, ResponseObserver observer) {
        trace().providerError(observer.streamErrorType());
        end(EndStatus.FAILED, httpStatus, "upstream_error", observer.streamErrorType() + ": " + observer.streamErrorMessage());
    }

    /** Ends the interception; only the first call counts. */
    public void end(EndStatus status, Integer httpStatus, String errorType, String errorMessage) {
        if (ended) {
            return;
        }
        ended = true;
        long now = System.nanoTime();
        long durationNanos = now - startNanos;
        Long ttfb = firstByteNanos < 0 ? null : (firstByteNanos - startNanos) / 1_000_000;
        trace.processEnded(status, httpStatus, errorType, errorMessage);
        publish(InterceptionSpans.RECORD_INTERCEPTION_ENDED, new InterceptionEnded(EventCodec.newEventId(), id, startedAt,
                Instant.now(), status, httpStatus, errorType, errorMessage, durationNanos / 1_000_000, ttfb,
                answerHint));
        metrics.ended(inflight, context.providerName(), context.model(), context.route(), context.method(), context.client(),
                status == EndStatus.COMPLETED ? "completed" : status == EndStatus.CANCELLED ? "cancelled" : "failed", durationNanos);
        trace.ended(status, httpStatus, errorMessage);
        if (endListener != null) {
            endListener.ended(status, httpStatus);
        }
    }
}
