package io.aibridge.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The W3C trace context ({@code traceparent}, {@code tracestate}) as message headers, so that a
 * trace continues through Kafka: the proxy puts its {@code Intercept} span's context on every
 * event of the interception, the recorder parents its persist span on it. W3C only, whatever
 * propagators a service configures: the record headers are part of the topic's contract
 * ({@code events/EVENTS.md}).
 */
public final class TraceHeaders {

    /** {@code traceparent}: {@code 00-<trace id>-<span id>-<flags>}. */
    public static final String TRACEPARENT = "traceparent";
    /** {@code tracestate}: vendor entries, when the trace has any. */
    public static final String TRACESTATE = "tracestate";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private TraceHeaders() {
    }

    /** The headers carrying {@code span}'s context; empty when the span is not valid (tracing off). */
    public static Map<String, String> of(Span span) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return Map.of();
        }
        Map<String, String> headers = new HashMap<>(4);
        W3C.inject(Context.root().with(span), headers, Map::put);
        return Map.copyOf(headers);
    }

    /**
     * The remote context the headers carry, ready to parent a span; {@link Context#root()} when
     * there is none or it is malformed.
     *
     * @param header a header's value by name, or null
     */
    public static Context extract(Function<String, String> header) {
        return W3C.extract(Context.root(), header, new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(Function<String, String> carrier) {
                return List.of(TRACEPARENT, TRACESTATE);
            }

            @Override
            public String get(Function<String, String> carrier, String key) {
                return carrier == null ? null : carrier.apply(key);
            }
        });
    }

    /** True when {@code context} carries a valid remote span context. */
    public static boolean hasRemoteParent(Context context) {
        return Span.fromContext(context).getSpanContext().isValid();
    }
}
