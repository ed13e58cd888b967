package io.aibridge.recorder.tracing;

import io.aibridge.events.Event;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.telemetry.TraceHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The recorder's part of an interception's trace. The proxy sends the W3C context of its
 * {@code Intercept} span with every event of the interception ({@code traceparent} record
 * header); for each interception whose events are in a batch, the recorder opens one
 * {@value #PERSIST} span under that context, from the start of the batch's write to its commit,
 * so the trace shows when the interception reached PostgreSQL and whether any of it was refused.
 * Events without a trace context (tracing off at the proxy, another producer) get no span.
 *
 * <p>{@link #OFF} is the tracing of a recorder with tracing off: it reads no header and builds
 * nothing.
 */
public class PersistTracing {

    /** The span of persisting (part of) one interception, child of the proxy's {@code Intercept}. */
    public static final String PERSIST = "Recorder.PersistInterception";

    /** The same key as on the proxy's spans, so one query finds the whole interception. */
    public static final AttributeKey<String> INTERCEPTION_ID = AttributeKey.stringKey("interception_id");
    /** The CloudEvents types of the interception's events in this batch, in order. */
    public static final AttributeKey<List<String>> EVENT_TYPES = AttributeKey.stringArrayKey("event_types");
    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<String> MESSAGING_OPERATION = AttributeKey.stringKey("messaging.operation.type");
    public static final AttributeKey<Long> MESSAGING_BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    public static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    /** Events of the interception that PostgreSQL refused for good (they went to the dead-letter topic). */
    public static final AttributeKey<Long> REFUSED = AttributeKey.longKey("refused_event_count");
    /** How many times the batch write was retried because the database was unavailable. */
    public static final AttributeKey<Long> RETRIES = AttributeKey.longKey("db_retries");

    /** No tracing: nothing read, nothing built. */
    public static final PersistTracing OFF = new PersistTracing(null);

    private final Tracer tracer;

    /** @param tracer the service's tracer; null only for {@link #OFF} */
    public PersistTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /**
     * Opens the persist spans of a batch that is about to be written.
     *
     * @param header a record header of an event, by name ({@code traceparent}), or null
     */
    public <E extends Event> Batch<E> writing(String topic, List<E> events, HeaderLookup<E> header) {
        if (tracer == null || events.isEmpty()) {
            return Batch.none();
        }
        Map<UUID, List<E>> byInterception = new LinkedHashMap<>();
        Map<UUID, Context> parents = new LinkedHashMap<>();
        for (E event : events) {
            if (!(event instanceof InterceptionEvent interception)) {
                continue;
            }
            UUID id = interception.interceptionId();
            if (!parents.containsKey(id)) {
                Context parent = TraceHeaders.extract(name -> header.get(event, name));
                if (!TraceHeaders.hasRemoteParent(parent)) {
                    continue;
                }
                parents.put(id, parent);
            }
            byInterception.computeIfAbsent(id, k -> new ArrayList<>()).add(event);
        }
        if (byInterception.isEmpty()) {
            return Batch.none();
        }
        Map<UUID, Span> spans = new LinkedHashMap<>();
        Map<E, UUID> owners = new java.util.IdentityHashMap<>();
        byInterception.forEach((id, own) -> {
            Set<String> types = new LinkedHashSet<>();
            own.forEach(e -> {
                types.add(e.type().ceType());
                owners.put(e, id);
            });
            spans.put(id, tracer.spanBuilder(PERSIST).setParent(parents.get(id)).setSpanKind(SpanKind.CONSUMER)
                    .setAttribute(INTERCEPTION_ID, id.toString())
                    .setAttribute(EVENT_TYPES, List.copyOf(types))
                    .setAttribute(MESSAGING_SYSTEM, "kafka")
                    .setAttribute(MESSAGING_DESTINATION, topic)
                    .setAttribute(MESSAGING_OPERATION, "process")
                    .setAttribute(MESSAGING_BATCH_COUNT, (long) own.size())
                    .setAttribute(DB_SYSTEM, "postgresql")
                    .startSpan());
        });
        return new Batch<>(spans, owners);
    }

    /** Reads one record header of an event. */
    @FunctionalInterface
    public interface HeaderLookup<E> {
        String get(E event, String name);
    }

    /** The open persist spans of one batch. Only the thread that writes the batch uses it. */
    public static final class Batch<E> {

        private static final Batch<?> NONE = new Batch<>(Map.of(), Map.of());

        private final Map<UUID, Span> spans;
        private final Map<E, UUID> owners;
        private long retries;

        private Batch(Map<UUID, Span> spans, Map<E, UUID> owners) {
            this.spans = spans;
            this.owners = owners;
        }

        @SuppressWarnings("unchecked")
        static <E> Batch<E> none() {
            return (Batch<E>) NONE;
        }

        /** The database was unavailable and the write is tried again. */
        public void retried() {
            if (!spans.isEmpty()) {
                retries++;
            }
        }

        /**
         * The batch was committed. The interceptions of {@code refused} events end failed with the
         * database's reason; those events went to the dead-letter topic instead.
         *
         * @param event  the event a refusal is about
         * @param reason why it was refused
         */
        public <R> void stored(Collection<R> refused, Function<R, E> event, Function<R, String> reason) {
            if (spans.isEmpty()) {
                return;
            }
            Map<UUID, List<String>> failures = new LinkedHashMap<>();
            for (R refusal : refused) {
                UUID id = owners.get(event.apply(refusal));
                if (id != null) {
                    failures.computeIfAbsent(id, k -> new ArrayList<>()).add(reason.apply(refusal));
                }
            }
            spans.forEach((id, span) -> {
                List<String> reasons = failures.get(id);
                if (reasons != null) {
                    span.setAttribute(REFUSED, (long) reasons.size());
                    span.setStatus(StatusCode.ERROR, reasons.get(0));
                }
                end(span);
            });
        }

        /** The write was abandoned (the service is stopping); the batch will be consumed again. */
        public void abandoned(String why) {
            spans.values().forEach(span -> {
                span.setStatus(StatusCode.ERROR, why);
                end(span);
            });
        }

        private void end(Span span) {
            if (retries > 0) {
                span.setAttribute(RETRIES, retries);
            }
            span.end();
        }
    }
}
