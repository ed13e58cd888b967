package io.aibridge.events;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One piece of model reasoning: an Anthropic thinking block (redacted ones are not recorded), an
 * OpenAI Responses reasoning summary, or a Responses commentary message.
 *
 * @param providerResponseId the response that contained it; may be empty
 * @param content            the text
 * @param source             where it came from
 */
public record ModelThoughtRecorded(
        UUID eventId,
        UUID interceptionId,
        Instant interceptionStartedAt,
        Instant createdAt,
        String providerResponseId,
        String content,
        ThoughtSource source,
        Map<String, Object> metadata) implements InterceptionEvent {

    public ModelThoughtRecorded {
        Fields.required(eventId, "event_id");
        Fields.required(interceptionId, "interception_id");
        interceptionStartedAt = Fields.micros(interceptionStartedAt, "interception_started_at");
        createdAt = Fields.micros(createdAt, "created_at");
        providerResponseId = Fields.emptyIfNull(providerResponseId);
        Fields.required(content, "content");
        Fields.required(source, "source");
        metadata = Fields.map(metadata);
    }

    @Override
    public EventType type() {
        return EventType.MODEL_THOUGHT_RECORDED;
    }

    @Override
    public Instant time() {
        return createdAt;
    }
}
