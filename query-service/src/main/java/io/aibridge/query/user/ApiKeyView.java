package io.aibridge.query.user;

import io.aibridge.identity.IdentityStore.KeyState;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.UUID;

/** An API key without its secret. {@code token} is present once: in the answer that created it. */
@Schema(name = "ApiKey", description = "An API key; the secret is never shown again after creation")
public record ApiKeyView(
        @Schema(description = "Key id: the part between aib_ and the secret") String id,
        UUID userId,
        @Schema(description = "Label given at creation") String name,
        Instant createdAt,
        @Schema(description = "When it stops working; absent when it never expires") Instant expiresAt,
        @Schema(description = "When it was revoked; absent while it is not") Instant revokedAt,
        @Schema(description = "active, revoked or expired", enumeration = {"active", "revoked", "expired"}) String status,
        @Schema(description = "The whole key, aib_<id>_<secret>: only in the answer to its creation. Store it now.") String token) {

    public static ApiKeyView of(KeyState key, Instant now) {
        return new ApiKeyView(key.keyId(), key.userId(), key.name(), key.createdAt(), key.expiresAt(), key.revokedAt(),
                key.revoked() ? "revoked" : key.expired(now) ? "expired" : "active", null);
    }

    public ApiKeyView withToken(String token) {
        return new ApiKeyView(id, userId, name, createdAt, expiresAt, revokedAt, status, token);
    }
}
