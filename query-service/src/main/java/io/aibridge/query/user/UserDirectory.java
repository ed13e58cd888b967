package io.aibridge.query.user;

import io.aibridge.events.UserUpserted;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.search.Values;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.UUID;

/**
 * Who users are, for filters and for the {@code initiator} object of records. The identity store
 * (in memory, from the identity topic) answers first; the {@code aibridge_users} table (written by
 * the recorder from the same topic) and the session summaries fill in for users this replica has
 * not seen, so that records of a user whose row is missing still read well.
 */
@ApplicationScoped
public class UserDirectory {

    public static final String ME = "me";

    private final IdentityStore store;
    private final Snapshots snapshots;

    public UserDirectory(IdentityStore store, Snapshots snapshots) {
        this.store = store;
        this.snapshots = snapshots;
    }

    /**
     * Resolves {@code me}, a user id or a username (case-insensitive) to a user id the caller may
     * filter on. Empty when the user does not exist or the caller (a member) may not see them:
     * a filter only narrows, it never widens what a member sees.
     */
    public Optional<UUID> resolveInitiator(String value, Caller caller) {
        Optional<UUID> id = value.equals(ME) ? Optional.of(caller.userId()) : lookUp(value);
        return id.filter(caller::maySee);
    }

    private Optional<UUID> lookUp(String value) {
        Optional<UUID> asId = Values.uuid(value);
        if (asId.isPresent()) {
            UUID id = asId.get();
            if (store.user(id).isPresent()) {
                return asId;
            }
            return snapshots.read(c -> {
                Sql sql = new Sql("SELECT EXISTS (SELECT 1 FROM aibridge_users WHERE id = ?)"
                        + " OR EXISTS (SELECT 1 FROM aibridge_sessions WHERE initiator_id = ?)", id, id);
                try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
                    return rs.next() && rs.getBoolean(1) ? asId : Optional.<UUID>empty();
                }
            });
        }
        Optional<UserUpserted> known = store.userByUsername(value);
        if (known.isPresent()) {
            return Optional.of(known.get().userId());
        }
        return snapshots.read(c -> {
            Sql sql = new Sql("SELECT id FROM aibridge_users WHERE lower(username) = lower(?) ORDER BY updated_at DESC LIMIT 1", value);
            try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getObject(1, UUID.class)) : Optional.<UUID>empty();
            }
        });
    }

    /**
     * The initiator object from a joined {@code aibridge_users} row ({@code username} null when the
     * row is missing), falling back to the identity store, then to the bare id.
     */
    public InitiatorView initiator(UUID id, String username, String name, String avatarUrl) {
        if (username != null) {
            return new InitiatorView(id, username, nullToEmpty(name), nullToEmpty(avatarUrl));
        }
        return store.user(id)
                .map(u -> new InitiatorView(id, u.username(), u.name(), u.avatarUrl()))
                .orElseGet(() -> new InitiatorView(id, "", "", ""));
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
