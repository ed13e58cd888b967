package io.aibridge.proxy.tracing;

import io.aibridge.events.EndStatus;
import io.opentelemetry.context.Context;

import java.util.Map;
import java.util.UUID;

/**
 * The spans of one interception. This base class is the trace of an interception while tracing
 * is off: every method does nothing and allocates nothing, so the interception code calls it
 * unconditionally. {@link LiveInterceptionTrace} is the real one. Called on the request's event
 * loop only.
 *
 * <pre>
 * Intercept
 * ├── Intercept.CreateInterceptor            body checks, prompt and session id, mode
 * ├── Intercept.RecordInterception           the start event handed to the publisher
 * ├── Intercept.ProcessRequest               the upstream exchange, tool loop included
 * │   ├── Intercept.ProcessRequest.Upstream  one per upstream call (GenAI client span)
 * │   ├── Intercept.ProcessRequest.ToolCall  one per injected MCP tool call
 * │   └── Intercept.Record{PromptUsage,TokenUsage,ToolUsage,ModelThought}
 * └── Intercept.RecordInterceptionEnded
 * </pre>
 */
public class InterceptionTrace {

    /** The trace of every interception while tracing is off. */
    public static final InterceptionTrace OFF = new InterceptionTrace();

    InterceptionTrace() {
    }

    /** The request body was refused before an interception was created (400, 501): the spans end failed. */
    public void refused(String message) {
    }

    /**
     * The interception exists: its attributes are known and {@code Intercept.CreateInterceptor} ends.
     *
     * @param clientSessionId    the session id the client sent, or null ({@code gen_ai.conversation.id})
     * @param previousResponseId Responses' {@code previous_response_id}, or null
     * @param upstreamUrl        where the upstream calls go ({@code server.address}, {@code server.port})
     */
    public void created(UUID interceptionId, String model, boolean streaming, String clientSessionId, String previousResponseId,
                        String upstreamUrl) {
    }

    /** The W3C trace context of the {@code Intercept} span, sent with every event of the interception. */
    public Map<String, String> eventHeaders() {
        return Map.of();
    }

    /** A {@code Intercept.Record*} span starts; the event is handed to the publisher before {@link #recorded()}. */
    public void recording(String spanName) {
    }

    /** The record span started by {@link #recording(String)} ends. */
    public void recorded() {
    }

    /** {@code Intercept.ProcessRequest} starts: the exchange with the provider, tool loop included. */
    public void processing() {
    }

    /** The request attributes every span of the interception carries (empty while tracing is off). */
    public io.opentelemetry.api.common.Attributes attributes() {
        return io.opentelemetry.api.common.Attributes.empty();
    }

    /** The context tool calls are traced in ({@code Intercept.ProcessRequest.ToolCall} spans). */
    public Context processContext() {
        return Context.root();
    }

    /** One upstream call starts ({@code Intercept.ProcessRequest.Upstream}). */
    public void upstreamStarted() {
    }

    /**
     * The current upstream call failed and is made again after {@code delayMillis} (on the same
     * span: the client sees one call).
     *
     * @param status the provider's status, 0 when it could not be reached ({@code reason} says why)
     */
    public void upstreamRetry(int retry, int status, String reason, long delayMillis) {
    }

    /**
     * The provider turned the configured key {@code fromHint} away with {@code status}; the call is
     * made again at once with {@code toHint} (on the same span).
     */
    public void upstreamKeyFailover(int status, String fromHint, String toHint) {
    }

    /** The model that answered, as the provider names it. */
    public void responseModel(String model) {
    }

    /** Why the provider stopped generating ({@code stop_reason}, {@code finish_reason}, status). */
    public void finishReason(String reason) {
    }

    /**
     * The usage of the current upstream response.
     *
     * @param input     uncached input (as recorded); the span gets all input, cache included
     * @param reasoning reasoning output tokens, or -1 when the provider does not report them
     */
    public void usage(String responseId, long input, long output, long cacheRead, long cacheWrite, long reasoning) {
    }

    /** The provider's own error type ({@code overloaded_error}, {@code rate_limit_exceeded}...), for {@code error.type}. */
    public void providerError(String type) {
    }

    /** The current upstream call completed (its answer was read whole) and the loop goes on. */
    public void upstreamCompleted(int httpStatus) {
    }

    /**
     * The interception's processing ended: the open upstream call and {@code Intercept.ProcessRequest}
     * end, failed when {@code status} is failed.
     */
    public void processEnded(EndStatus status, Integer httpStatus, String errorType, String errorMessage) {
    }

    /** {@code Intercept} ends (after the end event was handed over). */
    public void ended(EndStatus status, Integer httpStatus, String errorMessage) {
    }
}
