package io.aibridge.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.IdentityStore.KeyState;

import java.time.Instant;
import java.util.UUID;

/**
 * The first owner of a fresh install, created from {@code AIBRIDGE_BOOTSTRAP_TOKEN} so that the
 * install can be scripted. Every service that authenticates accepts the token for this user even
 * before the identity topic holds anything, and only while the token is configured in that service:
 * the token is compared with the service's own configuration, never with anything on the topic.
 * query-service also publishes the user and a key entry (id {@value #KEY_ID}) so that they show up
 * in the API and in joins; that entry carries {@link #NO_SECRET_HASH}, never a hash of the token (an
 * operator-chosen token could be brute-forced offline from an unsalted SHA-256).
 */
public final class BootstrapAdmin {

    /** Fixed id, so that every replica and every restart agrees on who the bootstrap admin is. */
    public static final UUID USER_ID = UUID.fromString("00000000-0000-4000-8000-000000000001");
    public static final String USERNAME = "admin";
    public static final String KEY_ID = "bootstrap";
    /**
     * The {@code secret_hash} of the published bootstrap key: the hash of no secret. No token hashes
     * to it, and the bootstrap token is never checked against a published hash.
     */
    public static final String NO_SECRET_HASH = "0".repeat(64);

    private BootstrapAdmin() {
    }

    public static UserUpserted user(Instant now) {
        return new UserUpserted(EventCodec.newEventId(), USER_ID, USERNAME, "Administrator", null, "",
                Role.OWNER, UserStatus.ACTIVE, now, now);
    }

    /** The key entry of the bootstrap token: its id and owner, without a hash of the token. */
    public static ApiKeyCreated key(Instant now) {
        return new ApiKeyCreated(EventCodec.newEventId(), KEY_ID, USER_ID, "bootstrap token", NO_SECRET_HASH, now, null);
    }

    /**
     * The same key entry as {@code held} (name and times kept) without its hash: replaces, on the
     * compacted topic, an entry published with a hash of the token by an earlier version.
     */
    public static ApiKeyCreated withoutHash(KeyState held) {
        return new ApiKeyCreated(EventCodec.newEventId(), KEY_ID, USER_ID, held.name(), NO_SECRET_HASH, held.createdAt(),
                held.expiresAt());
    }

    /** True when the key entry holds a hash of some token (published by an earlier version), not {@link #NO_SECRET_HASH}. */
    public static boolean holdsTokenHash(KeyState key) {
        return key.secretHash() != null && !NO_SECRET_HASH.equals(key.secretHash());
    }
}
