package io.aibridge.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;

import java.time.Instant;
import java.util.UUID;

/**
 * The first owner of a fresh install, created from {@code AIBRIDGE_BOOTSTRAP_TOKEN} so that the
 * install can be scripted. Every service that authenticates accepts the token for this user even
 * before the identity topic holds anything; query-service also publishes the user and the key
 * (hash only) so that they show up in the API and in joins.
 */
public final class BootstrapAdmin {

    /** Fixed id, so that every replica and every restart agrees on who the bootstrap admin is. */
    public static final UUID USER_ID = UUID.fromString("00000000-0000-4000-8000-000000000001");
    public static final String USERNAME = "admin";
    public static final String KEY_ID = "bootstrap";

    private BootstrapAdmin() {
    }

    public static UserUpserted user(Instant now) {
        return new UserUpserted(EventCodec.newEventId(), USER_ID, USERNAME, "Administrator", null, "",
                Role.OWNER, UserStatus.ACTIVE, now, now);
    }

    /** The key event for the bootstrap token: the hash is of the whole token, which need not be of the aib_ form. */
    public static ApiKeyCreated key(String bootstrapToken, Instant now) {
        return new ApiKeyCreated(EventCodec.newEventId(), KEY_ID, USER_ID, "bootstrap token",
                ApiKeys.sha256Hex(bootstrapToken), now, null);
    }
}
