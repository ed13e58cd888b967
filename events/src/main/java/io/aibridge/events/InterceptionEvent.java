package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.UUID;

/**
 * A fact about one interception, published on {@link Topics#INTERCEPTIONS} keyed by the
 * interception id, so every event of one interception is on one partition, in order.
 *
 * <p>Every event carries the interception's start time so that a consumer can place a child
 * record (prompt, tokens, tool call, thought, end) in the right time partition even when it
 * arrives before the interception's start.
 */
public sealed interface InterceptionEvent extends Event
        permits InterceptionStarted, PromptRecorded, TokenUsageRecorded, ToolUsageRecorded,
                ModelThoughtRecorded, InterceptionEnded {

    /** The interception this fact belongs to. Also the response id Anthropic and Chat clients see. */
    UUID interceptionId();

    /** When the interception started (bridge clock). Identical on every event of the interception. */
    Instant interceptionStartedAt();

    @Override
    @JsonIgnore
    default String key() {
        return interceptionId().toString();
    }
}
