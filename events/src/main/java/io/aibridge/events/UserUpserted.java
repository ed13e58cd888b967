package io.aibridge.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A user was created or changed. Carries the whole user, so the latest event per user id is the
 * user's current state; consumers ignore an event older than the state they hold.
 *
 * @param username  unique login name
 * @param name      display name; may be empty
 * @param email     may be null
 * @param avatarUrl may be empty
 * @param createdAt when the user was first created
 * @param updatedAt when this version was made; orders the versions of one user
 */
public record UserUpserted(
        UUID eventId,
        UUID userId,
        String username,
        String name,
        String email,
        String avatarUrl,
        Role role,
        UserStatus status,
        Instant createdAt,
        Instant updatedAt) implements IdentityEvent {

    public UserUpserted {
        Fields.required(eventId, "event_id");
        Fields.required(userId, "user_id");
        Fields.requiredText(username, "username");
        name = Fields.emptyIfNull(name);
        email = Fields.blankToNull(email);
        avatarUrl = Fields.emptyIfNull(avatarUrl);
        Fields.required(role, "role");
        Fields.required(status, "status");
        createdAt = Fields.micros(createdAt, "created_at");
        updatedAt = Fields.micros(updatedAt, "updated_at");
    }

    @Override
    public EventType type() {
        return EventType.USER_UPSERTED;
    }

    @Override
    public String key() {
        return userId.toString();
    }

    @Override
    public Instant time() {
        return updatedAt;
    }
}
