package io.aibridge.events;

/** Where a model thought came from: an Anthropic {@code thinking} block, an OpenAI {@code reasoning_summary}, or a Responses assistant message with phase {@code commentary}. */
public enum ThoughtSource implements WireEnum {
    THINKING, REASONING_SUMMARY, COMMENTARY
}
