package io.aibridge.proxy.tracing;

import io.aibridge.identity.Principal;
import io.aibridge.events.Role;
import io.aibridge.proxy.route.ProviderType;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static io.aibridge.proxy.tracing.InterceptionSpans.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental} names each upstream call's span
 * as the GenAI conventions do ({@code chat {model}}, §13.3); without it the span keeps the
 * reference's exact name (§13.2). The other spans keep the reference's names either way.
 */
class GenAiSpanNamesTest {

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    private final Principal alice = new Principal(UUID.randomUUID(), "alice", "Alice", Role.MEMBER, "key-1");

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void theOptInNamesTheUpstreamSpanByOperationAndModel() {
        List<SpanData> spans = oneInterception(Optional.of(List.of("http", " gen_ai_latest_experimental")), "claude-sonnet-4-5");

        SpanData upstream = only(spans, SpanKind.CLIENT);
        assertThat(upstream.getName()).isEqualTo("chat claude-sonnet-4-5");
        assertThat(upstream.getAttributes().get(GEN_AI_OPERATION)).isEqualTo("chat");
        assertThat(upstream.getAttributes().get(GEN_AI_REQUEST_MODEL)).isEqualTo("claude-sonnet-4-5");
        assertThat(spans).extracting(SpanData::getName).contains(INTERCEPT, CREATE_INTERCEPTOR, PROCESS_REQUEST).doesNotContain(UPSTREAM);
    }

    @Test
    void withoutTheOptInTheUpstreamSpanHasTheReferenceName() {
        for (Optional<List<String>> optIn : List.of(Optional.<List<String>>empty(), Optional.of(List.of("http", "gen_ai_latest")))) {
            exported.reset();
            SpanData upstream = only(oneInterception(optIn, "gpt-5"), SpanKind.CLIENT);
            assertThat(upstream.getName()).as("opt-in %s", optIn).isEqualTo(UPSTREAM);
            assertThat(upstream.getAttributes().get(GEN_AI_REQUEST_MODEL)).isEqualTo("gpt-5");
        }
    }

    private List<SpanData> oneInterception(Optional<List<String>> optIn, String model) {
        InterceptionTracing tracing = new InterceptionTracing(provider.get("test"), false, optIn);
        InterceptionTrace trace = tracing.intercept(ProviderType.ANTHROPIC, "/api/v2/aibridge/anthropic/v1/messages", alice);
        trace.created(UUID.randomUUID(), model, true, null, null, "https://api.anthropic.com");
        trace.processing();
        trace.upstreamStarted();
        trace.upstreamCompleted(200);
        trace.processEnded(io.aibridge.events.EndStatus.COMPLETED, 200, null, null);
        trace.ended(io.aibridge.events.EndStatus.COMPLETED, 200, null);
        return exported.getFinishedSpanItems();
    }

    private static SpanData only(List<SpanData> spans, SpanKind kind) {
        List<SpanData> ofKind = spans.stream().filter(s -> s.getKind() == kind).toList();
        assertThat(ofKind).hasSize(1);
        return ofKind.get(0);
    }
}
