package io.aibridge.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QueryRedactingSpanProcessorTest {

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(new QueryRedactingSpanProcessor())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void queryValuesAreMaskedOnTheExportedSpanAndNamesKept() {
        provider.get("test").spanBuilder("GET /models").setSpanKind(SpanKind.SERVER)
                .setAttribute("url.query", "key=SECRET&limit=5&flag")
                .setAttribute("url.path", "/v1/models")
                .setAttribute("url.full", "https://h/v1/models?api_key=SECRET#frag")
                .setAttribute("http.target", "/v1/models?key=SECRET")
                .startSpan().end();

        SpanData span = exporter.getFinishedSpanItems().get(0);
        assertThat(span.getAttributes().get(AttributeKey.stringKey("url.query"))).isEqualTo("key=***&limit=***&flag");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/v1/models");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("url.full"))).isEqualTo("https://h/v1/models?api_key=***");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("http.target"))).isEqualTo("/v1/models?key=***");
    }

    @Test
    void aUrlLosesItsUserInfoQueryValuesAndFragment() {
        assertThat(UrlRedaction.maskUrl("https://u:pw@mcp.example.com:8443/mcp?api_key=SECRET&v=2#part"))
                .isEqualTo("https://mcp.example.com:8443/mcp?api_key=***&v=***");
        assertThat(UrlRedaction.maskUrl("http://token@127.0.0.1/mcp")).isEqualTo("http://127.0.0.1/mcp");
        assertThat(UrlRedaction.maskUrl("/v1/models?key=a@b")).as("an @ in a path's query is no user info").isEqualTo("/v1/models?key=***");
        assertThat(UrlRedaction.maskUrl("not a url?x=1")).isEqualTo("not a url?x=***");
    }

    @Test
    void aUrlWithoutAQueryIsLeftAlone() {
        assertThat(UrlRedaction.maskUrl("https://h/v1/models")).isEqualTo("https://h/v1/models");
        assertThat(UrlRedaction.maskQuery("")).isEmpty();
    }
}
