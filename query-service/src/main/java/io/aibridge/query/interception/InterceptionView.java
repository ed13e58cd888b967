package io.aibridge.query.interception;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.query.user.InitiatorView;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One interception with everything recorded for it. Fields after {@code tool_usages} are ours. */
@Schema(name = "Interception", description = "One recorded client request with its prompts, token usages, tool calls and thoughts")
public record InterceptionView(
        UUID id,
        @Schema(description = "Id of the API key the request authenticated with") String apiKeyId,
        InitiatorView initiator,
        @Schema(description = "Provider type: anthropic, openai, copilot") String provider,
        @Schema(description = "Provider instance name") String providerName,
        String model,
        @Schema(description = "Detected client; Unknown when none was detected") String client,
        @Schema(description = "Actor metadata and the user agent. " + JSON_CUT) ObjectNode metadata,
        @Schema(description = "true when metadata was left out (" + JSON_LEFT_OUT + "); omitted otherwise") Boolean metadataTruncated,
        Instant startedAt,
        Instant endedAt,
        List<TokenUsage> tokenUsages,
        List<UserPrompt> userPrompts,
        List<ToolUsage> toolUsages,
        @Schema(description = "Thinking blocks, reasoning summaries and commentary") List<ModelThought> modelThoughts,
        @Schema(description = "The session the interception belongs to") String sessionId,
        @Schema(description = "The interception that directly caused this one in an agentic loop") UUID threadParentId,
        @Schema(description = "The root of this interception's thread; absent for a root") UUID threadRootId,
        @Schema(description = "centralized or byok") String credentialKind,
        @Schema(description = "Masked upstream credential, e.g. sk-a...wxyz") String credentialHint,
        @Schema(description = "completed, failed or cancelled") String endStatus,
        @Schema(description = "HTTP status sent to the client") Integer httpStatus,
        @Schema(description = "Provider error code or exception type, on failure") String errorType,
        @Schema(description = "Error message, on failure. " + CUT) String errorMessage,
        @Schema(description = "true when error_message was cut; omitted when it is whole") Boolean errorMessageTruncated,
        @Schema(description = "Duration in milliseconds") Long durationMs,
        @Schema(description = "Time to the first byte sent to the client, in milliseconds") Long timeToFirstByteMs,
        @Schema(description = "Whether the client asked for a stream") Boolean streaming) {

    /** How a response's metadata objects are bounded: JSON cannot be cut and stay JSON. */
    public static final String JSON_CUT = "Whole, or an empty object flagged by metadata_truncated when its JSON text is over"
            + " AIBRIDGE_QUERY_MAX_FIELD_CHARS characters or no longer fits in the response's AIBRIDGE_QUERY_MAX_RESPONSE_CHARS"
            + " (then in a 4096-character preview of the 1 Mi preview reserve).";

    public static final String JSON_LEFT_OUT = "over the field cap or past the response budget";

    /** How every long text of a response is bounded. */
    static final String CUT = "At most AIBRIDGE_QUERY_MAX_FIELD_CHARS characters, a 4096-character preview once the"
            + " response's AIBRIDGE_QUERY_MAX_RESPONSE_CHARS are spent, and empty once 1 Mi characters of previews are"
            + " spent too; a cut text is flagged by <field>_truncated.";

    @Schema(name = "InterceptionTokenUsage", description = "Token usage of one upstream response")
    public record TokenUsage(UUID id, UUID interceptionId, String providerResponseId, long inputTokens, long outputTokens,
                             long cacheReadInputTokens, long cacheWriteInputTokens,
                             @Schema(description = "Extra token types. " + JSON_CUT) ObjectNode metadata,
                             @Schema(description = "true when metadata was left out (" + JSON_LEFT_OUT + "); omitted otherwise") Boolean metadataTruncated, Instant createdAt) {
    }

    @Schema(name = "InterceptionUserPrompt", description = "The user prompt of the request")
    public record UserPrompt(UUID id, UUID interceptionId, String providerResponseId,
                             @Schema(description = CUT) String prompt,
                             @Schema(description = "true when prompt was cut; omitted when it is whole") Boolean promptTruncated,
                             @Schema(description = JSON_CUT) ObjectNode metadata,
                             @Schema(description = "true when metadata was left out (" + JSON_LEFT_OUT + "); omitted otherwise") Boolean metadataTruncated, Instant createdAt) {
    }

    @Schema(name = "InterceptionToolUsage", description = "One tool call the model made")
    public record ToolUsage(UUID id, UUID interceptionId, String providerResponseId,
                            @Schema(description = "MCP server URL of an injected tool; empty otherwise") String serverUrl,
                            String tool, @Schema(description = "Arguments, JSON-serialised. " + CUT) String input,
                            @Schema(description = "true when input was cut; omitted when it is whole") Boolean inputTruncated,
                            boolean injected,
                            @Schema(description = "Error from invoking an injected tool; empty otherwise. " + CUT) String invocationError,
                            @Schema(description = "true when invocation_error was cut; omitted when it is whole") Boolean invocationErrorTruncated,
                            @Schema(description = JSON_CUT) ObjectNode metadata,
                            @Schema(description = "true when metadata was left out (" + JSON_LEFT_OUT + "); omitted otherwise") Boolean metadataTruncated, Instant createdAt,
                            @Schema(description = "The provider's tool call id") String providerToolCallId) {
    }

    @Schema(name = "InterceptionModelThought", description = "One thinking block, reasoning summary or commentary")
    public record ModelThought(UUID interceptionId, String providerResponseId, @Schema(description = CUT) String content,
                               @Schema(description = "true when content was cut; omitted when it is whole") Boolean contentTruncated,
                               @Schema(description = "thinking, reasoning_summary or commentary") String source,
                               @Schema(description = JSON_CUT) ObjectNode metadata,
                               @Schema(description = "true when metadata was left out (" + JSON_LEFT_OUT + "); omitted otherwise") Boolean metadataTruncated, Instant createdAt) {
    }
}
