package io.aibridge.events;

import java.time.Instant;
import java.util.UUID;

/**
 * An API key was revoked; it stops working on every replica within seconds. On the compacted
 * topic this replaces the key's {@link ApiKeyCreated}, so a consumer may see a revocation for a
 * key it never saw created: the key simply does not exist for it.
 */
public record ApiKeyRevoked(
        UUID eventId,
        String keyId,
        UUID userId,
        Instant revokedAt) implements IdentityEvent {

    public ApiKeyRevoked {
        Fields.required(eventId, "event_id");
        Fields.requiredText(keyId, "key_id");
        Fields.required(userId, "user_id");
        revokedAt = Fields.micros(revokedAt, "revoked_at");
    }

    @Override
    public EventType type() {
        return EventType.API_KEY_REVOKED;
    }

    @Override
    public String key() {
        return keyId;
    }

    @Override
    public Instant time() {
        return revokedAt;
    }
}
