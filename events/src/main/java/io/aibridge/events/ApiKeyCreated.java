package io.aibridge.events;

import java.time.Instant;
import java.util.UUID;

/**
 * An API key was created. Keys look like {@code aib_<key id>_<secret>}; only the hex SHA-256 of
 * the secret travels and is stored.
 *
 * @param keyId      the key's id, the part between {@code aib_} and the secret
 * @param userId     the key's owner
 * @param name       a label chosen by its creator; may be empty
 * @param secretHash lower-case hex SHA-256 of the secret (64 characters)
 * @param expiresAt  null when it never expires
 */
public record ApiKeyCreated(
        UUID eventId,
        String keyId,
        UUID userId,
        String name,
        String secretHash,
        Instant createdAt,
        Instant expiresAt) implements IdentityEvent {

    public ApiKeyCreated {
        Fields.required(eventId, "event_id");
        Fields.requiredText(keyId, "key_id");
        Fields.required(userId, "user_id");
        name = Fields.emptyIfNull(name);
        if (secretHash == null || !secretHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("secret_hash must be a lower-case hex SHA-256");
        }
        createdAt = Fields.micros(createdAt, "created_at");
        expiresAt = Fields.microsOrNull(expiresAt);
    }

    @Override
    public EventType type() {
        return EventType.API_KEY_CREATED;
    }

    @Override
    public String key() {
        return keyId;
    }

    @Override
    public Instant time() {
        return createdAt;
    }
}
