package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An interception started: the proxy authenticated the request and is about to call the upstream.
 *
 * @param eventId               unique event id
 * @param interceptionId        new interception id
 * @param startedAt             bridge clock at start
 * @param initiatorId           the authenticated user
 * @param initiatorUsername     that user's username at the time
 * @param apiKeyId              id of the bridge API key used (never the key itself)
 * @param provider              provider type: {@code anthropic}, {@code openai} or {@code copilot}
 * @param providerName          configured provider instance name; the type when not set
 * @param model                 the request body's {@code model}; empty when absent
 * @param client                detected client, e.g. {@code Claude Code}, {@code Codex}, {@code Unknown}
 * @param clientSessionId       session id supplied by the client, trimmed, at most 256 characters; null if none
 * @param userAgent             the raw {@code User-Agent}; null if none
 * @param correlatingToolCallId the tool-call id the request's last message answers (threads); null if none
 * @param credentialKind        how the upstream call authenticates
 * @param credentialHint        the masked upstream secret, e.g. {@code sk-a...wxyz}; at most 15 characters
 * @param streaming             whether the client asked for a stream
 * @param requestPath           the bridged route, e.g. {@code /v1/messages}
 * @param metadata              actor metadata and {@code request_user_agent}
 */
public record InterceptionStarted(
        UUID eventId,
        UUID interceptionId,
        Instant startedAt,
        UUID initiatorId,
        String initiatorUsername,
        String apiKeyId,
        String provider,
        String providerName,
        String model,
        String client,
        String clientSessionId,
        String userAgent,
        String correlatingToolCallId,
        CredentialKind credentialKind,
        String credentialHint,
        @JsonProperty(required = true) boolean streaming,
        String requestPath,
        Map<String, String> metadata) implements InterceptionEvent {

    /** The client name used when no rule matches. */
    public static final String UNKNOWN_CLIENT = "Unknown";

    public InterceptionStarted {
        Fields.required(eventId, "event_id");
        Fields.required(interceptionId, "interception_id");
        startedAt = Fields.micros(startedAt, "started_at");
        Fields.required(initiatorId, "initiator_id");
        initiatorUsername = Fields.emptyIfNull(initiatorUsername);
        apiKeyId = Fields.emptyIfNull(apiKeyId);
        Fields.requiredText(provider, "provider");
        providerName = providerName == null || providerName.isBlank() ? provider : providerName.trim();
        model = Fields.emptyIfNull(model);
        client = client == null || client.isBlank() ? UNKNOWN_CLIENT : client;
        clientSessionId = Fields.trimmedOrNull(clientSessionId, Fields.MAX_CLIENT_SESSION_ID);
        userAgent = Fields.blankToNull(userAgent);
        correlatingToolCallId = Fields.blankToNull(correlatingToolCallId);
        credentialKind = credentialKind == null ? CredentialKind.CENTRALIZED : credentialKind;
        credentialHint = Fields.credentialHint(Fields.emptyIfNull(credentialHint));
        requestPath = Fields.emptyIfNull(requestPath);
        metadata = Fields.map(metadata);
    }

    @Override
    @JsonIgnore
    public Instant interceptionStartedAt() {
        return startedAt;
    }

    @Override
    public EventType type() {
        return EventType.INTERCEPTION_STARTED;
    }

    @Override
    public Instant time() {
        return startedAt;
    }
}
