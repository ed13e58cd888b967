package io.aibridge.events;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The last user prompt of the request, by the per-API extraction rules. At most one per
 * interception; a tool-result turn has none.
 *
 * @param providerResponseId the first upstream response's id (message, completion or response id)
 * @param prompt             the extracted text
 * @param createdAt          bridge clock when it was recorded; drives a session's last activity
 * @param metadata           free-form; empty by default
 */
public record PromptRecorded(
        UUID eventId,
        UUID interceptionId,
        Instant interceptionStartedAt,
        Instant createdAt,
        String providerResponseId,
        String prompt,
        Map<String, Object> metadata) implements InterceptionEvent {

    public PromptRecorded {
        Fields.required(eventId, "event_id");
        Fields.required(interceptionId, "interception_id");
        interceptionStartedAt = Fields.micros(interceptionStartedAt, "interception_started_at");
        createdAt = Fields.micros(createdAt, "created_at");
        providerResponseId = Fields.emptyIfNull(providerResponseId);
        Fields.required(prompt, "prompt");
        metadata = Fields.map(metadata);
    }

    @Override
    public EventType type() {
        return EventType.PROMPT_RECORDED;
    }

    @Override
    public Instant time() {
        return createdAt;
    }
}
