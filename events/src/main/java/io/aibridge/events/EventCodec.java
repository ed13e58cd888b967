package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.EnumFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Turns events into CloudEvents 1.0 Kafka records (binary content mode) and back.
 *
 * <p>Encoding is strict about the contract; decoding is tolerant of what the compatibility rules
 * allow (unknown extra fields are ignored) and strict about the rest: a record with a missing or
 * unknown {@code ce_type}, a body that is not JSON, a missing required field or an id that
 * disagrees with {@code ce_id} is an {@link InvalidEventException}. An unknown type is the subclass
 * {@link UnknownEventTypeException}, and a later version of a known type (which producers publish
 * next to the earlier one during a migration) the further subclass {@link NewerEventVersionException}:
 * consumers skip those instead of dead-lettering them. Thread-safe.
 */
public final class EventCodec {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .configure(EnumFeature.WRITE_ENUMS_TO_LOWERCASE, true)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private final String source;

    /**
     * @param source the CloudEvents {@code source} of events this codec encodes, e.g.
     *               {@code /aibridge/proxy-service}
     */
    public EventCodec(String source) {
        this.source = Fields.requiredText(source, "source");
    }

    /** The JSON mapper used for bodies (snake_case, ISO-8601 times, nulls left out). Do not reconfigure it. */
    public static ObjectMapper json() {
        return JSON;
    }

    /** The record for Kafka: topic, key, CloudEvents headers and JSON body. */
    public EncodedEvent encode(Event event) {
        EventType type = event.type();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_VALUE);
        headers.put(CloudEventHeaders.ID, event.eventId().toString());
        headers.put(CloudEventHeaders.TYPE, type.ceType());
        headers.put(CloudEventHeaders.SOURCE, source);
        headers.put(CloudEventHeaders.TIME, event.time().toString());
        headers.put(CloudEventHeaders.SUBJECT, event.key());
        headers.put(CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON);
        try {
            return new EncodedEvent(type.topic(), event.key(), headers, JSON.writeValueAsBytes(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not serialise " + type.ceType(), e);
        }
    }

    /**
     * Reads one record.
     *
     * @param header the value of a header by name (null when absent)
     * @param body   the record value
     */
    public Event decode(Function<String, String> header, byte[] body) throws InvalidEventException {
        String specVersion = header.apply(CloudEventHeaders.SPEC_VERSION);
        if (!CloudEventHeaders.SPEC_VERSION_VALUE.equals(specVersion)) {
            throw new InvalidEventException("ce_specversion is " + (specVersion == null ? "missing" : "'" + specVersion + "'")
                    + ", expected 1.0");
        }
        String ceType = header.apply(CloudEventHeaders.TYPE);
        EventType type = EventType.fromCeType(ceType).orElse(null);
        if (type == null) {
            EventType earlier = EventType.earlierVersionOf(ceType).orElse(null);
            throw earlier != null ? new NewerEventVersionException(ceType, earlier)
                    : new UnknownEventTypeException(ceType, "unknown ce_type '" + ceType + "'");
        }
        Event event = decode(type, body);
        String ceId = header.apply(CloudEventHeaders.ID);
        if (ceId == null || !ceId.equals(event.eventId().toString())) {
            throw new InvalidEventException("ce_id '" + ceId + "' does not match the body's event_id " + event.eventId());
        }
        return event;
    }

    /** Reads a body whose type is already known. */
    public Event decode(EventType type, byte[] body) throws InvalidEventException {
        if (body == null || body.length == 0) {
            throw new InvalidEventException(type.ceType() + ": empty body");
        }
        if (!startsWithObject(body)) {
            throw new InvalidEventException(type.ceType() + ": body is not a JSON object");
        }
        try {
            // one pass straight into the record: the recorder decodes every event it consumes
            return JSON.readValue(body, type.javaType());
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidEventException(type.ceType() + ": " + rootMessage(e), e);
        }
    }

    /** True when the first non-blank byte opens a JSON object. */
    private static boolean startsWithObject(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '{';
            }
        }
        return false;
    }

    /** A new event id: unique, and ordered by time ({@link TimeOrderedIds}). */
    public static UUID newEventId() {
        return TimeOrderedIds.next();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null) {
            return root.getClass().getSimpleName();
        }
        int location = message.indexOf("\n at [Source");
        return location > 0 ? message.substring(0, location) : message;
    }
}
