package io.aibridge.query.user;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.UUID;

/** The user who initiated a record, as the reference's minimal user. */
@Schema(name = "Initiator", description = "The user who sent the requests")
public record InitiatorView(
        @Schema(description = "User id") UUID id,
        @Schema(description = "Username; empty when the user is unknown") String username,
        @Schema(description = "Display name; may be empty") String name,
        @Schema(description = "Avatar URL; may be empty") String avatarUrl) {
}
