package io.aibridge.query.session;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The four token sums of a session (sums over all its token usage rows). */
@Schema(description = "Token sums; input_tokens is uncached input")
public record TokenUsageSummary(
        @Schema(description = "Uncached input tokens") long inputTokens,
        @Schema(description = "Output tokens") long outputTokens,
        @Schema(description = "Input tokens read from the provider's prompt cache") long cacheReadInputTokens,
        @Schema(description = "Input tokens written to the prompt cache (Anthropic only)") long cacheWriteInputTokens) {
}
