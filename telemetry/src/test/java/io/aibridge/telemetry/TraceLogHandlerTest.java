package io.aibridge.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

class TraceLogHandlerTest {

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final Logger logger = Logger.getLogger("io.aibridge.telemetry.test");
    private final TraceLogHandler handler = new TraceLogHandler();

    @BeforeEach
    void install() {
        logger.addHandler(handler);
    }

    @AfterEach
    void remove() {
        logger.removeHandler(handler);
        provider.close();
    }

    @Test
    void aLogRecordWrittenWhileASpanIsCurrentBecomesAnEventOfThatSpan() {
        Span span = provider.get("test").spanBuilder("Intercept").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            logger.log(Level.WARNING, "upstream {0} answered {1}", new Object[] {"anthropic", 529});
            logger.log(Level.SEVERE, "could not read the stream", new IllegalStateException("bad frame"));
        } finally {
            span.end();
        }
        List<EventData> events = exporter.getFinishedSpanItems().get(0).getEvents();
        assertThat(events).hasSize(2).allSatisfy(e -> assertThat(e.getName()).isEqualTo(TraceLogHandler.EVENT));
        assertThat(events.get(0).getAttributes().get(TraceLogHandler.MESSAGE)).isEqualTo("upstream anthropic answered 529");
        assertThat(events.get(0).getAttributes().get(TraceLogHandler.SEVERITY)).isEqualTo("WARNING");
        assertThat(events.get(0).getAttributes().get(TraceLogHandler.LOGGER)).isEqualTo("io.aibridge.telemetry.test");
        assertThat(events.get(1).getAttributes().get(TraceLogHandler.EXCEPTION_TYPE)).isEqualTo(IllegalStateException.class.getName());
        assertThat(events.get(1).getAttributes().get(TraceLogHandler.EXCEPTION_MESSAGE)).isEqualTo("bad frame");
    }

    @Test
    void aLogRecordWrittenOutsideASpanIsNotAttachedAnywhere() {
        logger.warning("nothing is current");
        Span span = provider.get("test").spanBuilder("later").startSpan();
        span.end();
        assertThat(exporter.getFinishedSpanItems().get(0).getEvents()).isEmpty();
    }
}
