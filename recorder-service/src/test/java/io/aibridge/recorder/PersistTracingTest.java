package io.aibridge.recorder;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.EventType;
import io.aibridge.events.Topics;
import io.aibridge.recorder.tracing.PersistTracing;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The trace of an interception continues through Kafka into the recorder: events carrying the
 * proxy's {@code traceparent} header (the context of its {@code Intercept} span, as the proxy's
 * {@code InterceptionTracingTest} proves it sends) are persisted inside a span of the same trace,
 * child of that {@code Intercept} span. Real broker, real PostgreSQL, spans in memory.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(TracingTestResource.class)
class PersistTracingTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DataSource dataSource;

    @Inject
    InMemorySpanExporter spans;

    private RecorderKafka kafka;
    private Rows rows;
    private final EventCodec codec = new EventCodec("/aibridge/proxy-service");

    @BeforeEach
    void connect() {
        kafka = new RecorderKafka(bootstrapServers);
        rows = new Rows(dataSource);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void persistingAnInterceptionIsASpanInTheProxysTraceUnderItsInterceptSpan() {
        String traceId = hex(16);
        String interceptSpanId = hex(8);
        TestEvents.Interception interception = new TestEvents.Interception(UUID.randomUUID(), TestEvents.now());
        publish(Map.of("traceparent", "00-" + traceId + "-" + interceptSpanId + "-01", "tracestate", "vendor=abc"),
                interception.started(), interception.prompt("Why is the build red?", 300),
                interception.tokens(12, 417, 20480, 1536, 900), interception.ended(950));

        List<SpanData> persisted = awaitPersistSpans(interception.id);
        // however the events were batched, every span is the Intercept span's child in the proxy's trace
        assertThat(persisted).allSatisfy(span -> {
            assertThat(span.getTraceId()).isEqualTo(traceId);
            assertThat(span.getParentSpanId()).isEqualTo(interceptSpanId);
            assertThat(span.getParentSpanContext().isRemote()).isTrue();
            assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
            assertThat(span.getAttributes().get(PersistTracing.MESSAGING_SYSTEM)).isEqualTo("kafka");
            assertThat(span.getAttributes().get(PersistTracing.MESSAGING_DESTINATION)).isEqualTo(Topics.INTERCEPTIONS);
            assertThat(span.getAttributes().get(PersistTracing.DB_SYSTEM)).isEqualTo("postgresql");
            assertThat(span.getSpanContext().getTraceState().get("vendor")).isEqualTo("abc");
        });
        // every event is in a persist span; a batch redelivered after a rebalance is written, and traced, again
        assertThat(persisted.stream().mapToLong(s -> s.getAttributes().get(PersistTracing.MESSAGING_BATCH_COUNT)).sum())
                .isGreaterThanOrEqualTo(4);
        assertThat(persisted.stream().flatMap(s -> s.getAttributes().get(PersistTracing.EVENT_TYPES).stream())
                        .collect(java.util.stream.Collectors.toSet()))
                .containsExactlyInAnyOrder(EventType.INTERCEPTION_STARTED.ceType(), EventType.PROMPT_RECORDED.ceType(),
                        EventType.TOKEN_USAGE_RECORDED.ceType(), EventType.INTERCEPTION_ENDED.ceType());
        // a span ends once its batch is committed: the rows are there when it is exported
        assertThat(rows.interception(interception.id)).containsEntry("end_status", "completed");
        assertThat(rows.children("aibridge_token_usages", interception.id)).hasSize(1);
    }

    @Test
    void eventsWithoutATraceContextAreStoredWithoutASpan() {
        TestEvents.Interception traced = new TestEvents.Interception(UUID.randomUUID(), TestEvents.now());
        TestEvents.Interception untraced = new TestEvents.Interception(UUID.randomUUID(), TestEvents.now());
        publish(Map.of("traceparent", "not-a-trace-context"), untraced.started(), untraced.ended(20));
        publish(Map.of("traceparent", "00-" + hex(16) + "-" + hex(8) + "-01"), traced.started(), traced.ended(20));

        awaitPersistSpans(traced.id);
        await().atMost(Duration.ofSeconds(30)).until(() -> rows.interception(untraced.id) != null
                && "completed".equals(rows.interception(untraced.id).get("end_status")));
        assertThat(spans.getFinishedSpanItems()).noneMatch(s ->
                untraced.id.toString().equals(s.getAttributes().get(PersistTracing.INTERCEPTION_ID)));
    }

    // ------------------------------------------------------------------------------- helpers

    /** Publishes the events as the proxy does: CloudEvents headers plus the trace context. */
    private void publish(Map<String, String> traceHeaders, Event... events) {
        for (Event event : events) {
            EncodedEvent encoded = codec.encode(event);
            Map<String, String> headers = new HashMap<>(encoded.headers());
            headers.putAll(traceHeaders);
            kafka.events().publishRaw(encoded.topic(), encoded.key(), headers, encoded.body());
        }
    }

    /** The persist spans of an interception, once all its events are in one of them. */
    private List<SpanData> awaitPersistSpans(UUID interception) {
        String id = interception.toString();
        return await().atMost(Duration.ofSeconds(30)).until(() -> spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getName().equals(PersistTracing.PERSIST) && id.equals(s.getAttributes().get(PersistTracing.INTERCEPTION_ID)))
                        .toList(),
                found -> found.stream().flatMap(s -> Objects.requireNonNull(s.getAttributes().get(PersistTracing.EVENT_TYPES)).stream())
                        .anyMatch(EventType.INTERCEPTION_ENDED.ceType()::equals));
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never the all-zero (invalid) id
        return HexFormat.of().formatHex(random);
    }
}
