package io.aibridge.query.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.query.db.TextLimits;
import io.aibridge.query.interception.InterceptionView;
import io.aibridge.query.user.InitiatorView;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One session with a page of its threads, fully expanded. */
@Schema(name = "SessionDetail", description = "A session with one page of its threads")
public record SessionDetailView(
        @Schema(description = "Session id") String id,
        @Schema(description = "Initiator of the session's first interception") InitiatorView initiator,
        @Schema(description = "Distinct provider types, sorted") List<String> providers,
        @Schema(description = "Distinct models, sorted") List<String> models,
        @Schema(description = "Client of the first interception; Unknown when none was detected") String client,
        @Schema(description = "Metadata of the first interception. " + InterceptionView.JSON_CUT) ObjectNode metadata,
        @Schema(description = "true when metadata was left out (" + InterceptionView.JSON_LEFT_OUT + "); omitted otherwise")
        Boolean metadataTruncated,
        @Schema(description = "Earliest start of this page's threads; omitted on an empty page") Instant pageStartedAt,
        @Schema(description = "Latest end of this page's threads; omitted on an empty page") Instant pageEndedAt,
        @Schema(description = "Earliest start of the session") Instant startedAt,
        @Schema(description = "Latest end of the session") Instant endedAt,
        @Schema(description = "Token sums over the whole session, with summed extra token types") TokenUsage tokenUsageSummary,
        @Schema(description = "This page of threads, oldest first") List<ThreadView> threads) {

    /** How every long text of a response is bounded. */
    static final String CUT = "At most AIBRIDGE_QUERY_MAX_FIELD_CHARS characters, a 4096-character preview once the"
            + " response's AIBRIDGE_QUERY_MAX_RESPONSE_CHARS are spent, and empty once 1 Mi characters of previews are"
            + " spent too; a cut text is flagged by <field>_truncated.";

    /** Token sums plus the extra token types of the rows' metadata, flattened and summed. */
    @Schema(name = "SessionTokenUsage", description = "Token sums; metadata sums the integer extra types")
    public record TokenUsage(long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheWriteInputTokens,
                             @Schema(description = "Extra token types summed, nested keys joined with dots: at most "
                                     + TextLimits.MAX_TOKEN_TYPES + ", those of the most token rows, then by name, each name at most "
                                     + TextLimits.MAX_TOKEN_TYPE_CHARS + " characters") Map<String, BigInteger> metadata,
                             @Schema(description = "true when extra types were left out (more than " + TextLimits.MAX_TOKEN_TYPES
                                     + ", or a longer name); omitted otherwise") Boolean metadataTruncated) {
    }

    /** One prompt and the agentic loop that followed it. */
    @Schema(name = "SessionThread", description = "A thread: a root interception and every interception of its agentic loop")
    public record ThreadView(
            @Schema(description = "Root interception id") UUID id,
            @Schema(description = "First prompt of the root interception; omitted when none. " + CUT) String prompt,
            @Schema(description = "true when prompt was cut; omitted when it is whole") Boolean promptTruncated,
            @Schema(description = "Model of the root interception") String model,
            @Schema(description = "Provider type of the root interception") String provider,
            @Schema(description = "centralized or byok") String credentialKind,
            @Schema(description = "Masked upstream credential, e.g. sk-a...wxyz") String credentialHint,
            @Schema(description = "Earliest start over the thread") Instant startedAt,
            @Schema(description = "Latest end over the thread") Instant endedAt,
            TokenUsage tokenUsage,
            @Schema(description = "One per interception of the thread that made at least one tool call, in start order") List<AgenticAction> agenticActions) {
    }

    /** One interception of a thread that called tools. */
    @Schema(description = "The model's thinking and tool calls of one interception")
    public record AgenticAction(String model, TokenUsage tokenUsage, List<Thought> thinking, List<ToolCall> toolCalls) {
    }

    @Schema(description = "One thinking block, reasoning summary or commentary")
    public record Thought(@Schema(description = CUT) String text,
                          @Schema(description = "true when text was cut; omitted when it is whole") Boolean textTruncated) {
    }

    @Schema(description = "One tool call the model made")
    public record ToolCall(UUID id, UUID interceptionId, String providerResponseId,
                           @Schema(description = "MCP server URL of an injected tool; empty for client tools") String serverUrl,
                           String tool, boolean injected, @Schema(description = "Arguments, JSON-serialised. " + CUT) String input,
                           @Schema(description = "true when input was cut; omitted when it is whole") Boolean inputTruncated,
                           @Schema(description = InterceptionView.JSON_CUT) ObjectNode metadata,
                           @Schema(description = "true when metadata was left out (" + InterceptionView.JSON_LEFT_OUT
                                   + "); omitted otherwise") Boolean metadataTruncated,
                           Instant createdAt) {
    }
}
