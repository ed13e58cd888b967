package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Token usage of one upstream response. The events of one response add up to exactly the
 * provider's final usage for it; every total (interception, thread, session) is a sum of events.
 *
 * @param inputTokens              uncached input: Anthropic {@code input_tokens}; OpenAI prompt or
 *                                 input tokens minus their cached part
 * @param outputTokens             output tokens, reasoning included
 * @param cacheReadInputTokens     input read from the prompt cache
 * @param cacheWriteInputTokens    input written to the prompt cache (Anthropic only; 0 otherwise)
 * @param metadata                 extra token types, e.g. {@code completion_reasoning},
 *                                 {@code web_search_requests}, {@code cache_ephemeral_1h_input}
 */
public record TokenUsageRecorded(
        UUID eventId,
        UUID interceptionId,
        Instant interceptionStartedAt,
        Instant createdAt,
        String providerResponseId,
        @JsonProperty(required = true) long inputTokens,
        @JsonProperty(required = true) long outputTokens,
        @JsonProperty(required = true) long cacheReadInputTokens,
        @JsonProperty(required = true) long cacheWriteInputTokens,
        Map<String, Long> metadata) implements InterceptionEvent {

    public TokenUsageRecorded {
        Fields.required(eventId, "event_id");
        Fields.required(interceptionId, "interception_id");
        interceptionStartedAt = Fields.micros(interceptionStartedAt, "interception_started_at");
        createdAt = Fields.micros(createdAt, "created_at");
        providerResponseId = Fields.emptyIfNull(providerResponseId);
        Fields.nonNegative(inputTokens, "input_tokens");
        Fields.nonNegative(outputTokens, "output_tokens");
        Fields.nonNegative(cacheReadInputTokens, "cache_read_input_tokens");
        Fields.nonNegative(cacheWriteInputTokens, "cache_write_input_tokens");
        metadata = Fields.map(metadata);
    }

    @Override
    public EventType type() {
        return EventType.TOKEN_USAGE_RECORDED;
    }

    @Override
    public Instant time() {
        return createdAt;
    }
}
