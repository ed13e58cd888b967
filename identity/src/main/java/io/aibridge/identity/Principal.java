package io.aibridge.identity;

import io.aibridge.events.Role;

import java.util.UUID;

/**
 * Who sent a request: the user behind a valid, unrevoked, unexpired key, whose account is active.
 *
 * @param apiKeyId the key used ({@link BootstrapAdmin#KEY_ID} for the bootstrap token)
 */
public record Principal(UUID userId, String username, String name, Role role, String apiKeyId) {

    /** Owners and auditors read every record. */
    public boolean readsEverything() {
        return role == Role.OWNER || role == Role.AUDITOR;
    }

    /** Only owners manage users and keys. */
    public boolean isOwner() {
        return role == Role.OWNER;
    }
}
