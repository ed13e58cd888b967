package io.aibridge.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TraceHeadersTest {

    private final SdkTracerProvider provider = SdkTracerProvider.builder().build();
    private final Tracer tracer = provider.get("test");

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aSpanTravelsAsATraceparentHeaderAndComesBackAsARemoteParent() {
        Span span = tracer.spanBuilder("Intercept").startSpan();
        Map<String, String> headers = TraceHeaders.of(span);
        SpanContext sent = span.getSpanContext();
        assertThat(headers).containsOnlyKeys(TraceHeaders.TRACEPARENT)
                .containsEntry(TraceHeaders.TRACEPARENT, "00-" + sent.getTraceId() + "-" + sent.getSpanId() + "-01");

        Context received = TraceHeaders.extract(headers::get);
        assertThat(TraceHeaders.hasRemoteParent(received)).isTrue();
        Span child = tracer.spanBuilder("Recorder.PersistInterception").setParent(received).startSpan();
        assertThat(child.getSpanContext().getTraceId()).isEqualTo(sent.getTraceId());
        assertThat(Span.fromContext(received).getSpanContext().isRemote()).isTrue();
        assertThat(Span.fromContext(received).getSpanContext().getSpanId()).isEqualTo(sent.getSpanId());
        child.end();
        span.end();
    }

    @Test
    void noHeadersWhenTracingIsOff() {
        assertThat(TraceHeaders.of(Span.getInvalid())).isEmpty();
    }

    @Test
    void missingOrMalformedHeadersGiveNoParent() {
        assertThat(TraceHeaders.hasRemoteParent(TraceHeaders.extract(name -> null))).isFalse();
        assertThat(TraceHeaders.hasRemoteParent(TraceHeaders.extract(Map.of(TraceHeaders.TRACEPARENT, "00-nonsense")::get))).isFalse();
        assertThat(TraceHeaders.hasRemoteParent(TraceHeaders.extract(null))).isFalse();
    }
}
