package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A tool call the model made, one event per call.
 *
 * @param providerResponseId  the response that contains the call
 * @param providerToolCallId  the provider's call id ({@code tool_use.id}, {@code tool_calls[].id},
 *                            {@code call_id}); the key that links the next request of an agentic loop
 * @param tool                tool name; for injected tools the original MCP name, not {@code bmcp_...}
 * @param input               the arguments, JSON-serialised (or the raw string when they are not JSON)
 * @param injected            true when the bridge injected the tool from an MCP server and ran it
 * @param serverUrl           MCP server URL of an injected tool; null for the client's own tools
 * @param invocationError     error from running an injected tool; null on success
 */
public record ToolUsageRecorded(
        UUID eventId,
        UUID interceptionId,
        Instant interceptionStartedAt,
        Instant createdAt,
        String providerResponseId,
        String providerToolCallId,
        String tool,
        String input,
        @JsonProperty(required = true) boolean injected,
        String serverUrl,
        String invocationError,
        Map<String, Object> metadata) implements InterceptionEvent {

    public ToolUsageRecorded {
        Fields.required(eventId, "event_id");
        Fields.required(interceptionId, "interception_id");
        interceptionStartedAt = Fields.micros(interceptionStartedAt, "interception_started_at");
        createdAt = Fields.micros(createdAt, "created_at");
        providerResponseId = Fields.emptyIfNull(providerResponseId);
        providerToolCallId = Fields.blankToNull(providerToolCallId);
        Fields.required(tool, "tool");
        input = Fields.emptyIfNull(input);
        serverUrl = Fields.blankToNull(serverUrl);
        invocationError = Fields.blankToNull(invocationError);
        metadata = Fields.map(metadata);
    }

    @Override
    public EventType type() {
        return EventType.TOOL_USAGE_RECORDED;
    }

    @Override
    public Instant time() {
        return createdAt;
    }
}
