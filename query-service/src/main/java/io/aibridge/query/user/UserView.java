package io.aibridge.query.user;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aibridge.events.UserUpserted;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.UUID;

/** A user as the admin API shows it. */
@Schema(name = "User", description = "A user of AI Bridge")
public record UserView(
        UUID id,
        @Schema(description = "Unique login name (case-insensitive)") String username,
        @Schema(description = "Display name; may be empty") String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "Email address; absent when not set") String email,
        @Schema(description = "Avatar URL; may be empty") String avatarUrl,
        @Schema(description = "owner, auditor or member", enumeration = {"owner", "auditor", "member"}) String role,
        @Schema(description = "active or suspended", enumeration = {"active", "suspended"}) String status,
        Instant createdAt,
        Instant updatedAt) {

    public static UserView of(UserUpserted u) {
        return new UserView(u.userId(), u.username(), u.name(), u.email(), u.avatarUrl(), u.role().wireName(),
                u.status().wireName(), u.createdAt(), u.updatedAt());
    }
}
