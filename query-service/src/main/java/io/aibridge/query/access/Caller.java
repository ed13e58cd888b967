package io.aibridge.query.access;

import io.aibridge.identity.Principal;

import java.util.Optional;
import java.util.UUID;

/**
 * The authenticated caller of one request. Owners and auditors read every record; a member reads
 * only the records they initiated, so every read is narrowed by {@link #restrictedTo()} in SQL.
 */
public record Caller(Principal principal) {

    public UUID userId() {
        return principal.userId();
    }

    public boolean isOwner() {
        return principal.isOwner();
    }

    /** The only initiator whose records this caller may read, or empty when they read everything. */
    public Optional<UUID> restrictedTo() {
        return principal.readsEverything() ? Optional.empty() : Optional.of(principal.userId());
    }

    /** True when this caller may read records initiated by {@code initiatorId}. */
    public boolean maySee(UUID initiatorId) {
        return principal.readsEverything() || principal.userId().equals(initiatorId);
    }
}
