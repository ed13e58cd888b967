package io.aibridge.query.user;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.IdentityStore.KeyState;
import io.aibridge.query.QueryConfig;
import io.aibridge.query.access.Caller;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.identity.IdentityPublisher;
import io.aibridge.query.search.Values;
import io.aibridge.query.user.UserRequests.KeyFields;
import io.aibridge.query.user.UserRequests.UserFields;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * User and API key management. Reads come from the in-memory identity store; every change is an
 * event on the compacted identity topic, answered once this replica has applied it. Changes on
 * one replica are serialised, so username uniqueness holds for concurrent requests to it.
 */
@ApplicationScoped
public class UserService {

    static final String NO_WAY_IN = "At least one active owner must keep a working credential.";

    private final IdentityStore store;
    private final IdentityPublisher publisher;
    private final boolean bootstrapTokenConfigured;

    public UserService(IdentityStore store, IdentityPublisher publisher, QueryConfig config) {
        this.store = store;
        this.publisher = publisher;
        this.bootstrapTokenConfigured = config.bootstrapToken().filter(t -> !t.isBlank()).isPresent();
    }

    /** {@code me}, a user id or a username; 404 when there is no such user. */
    public UserUpserted find(String reference, Caller caller) {
        Optional<UserUpserted> user;
        if (reference.equals(UserDirectory.ME)) {
            user = store.user(caller.userId());
            if (user.isEmpty() && caller.userId().equals(BootstrapAdmin.USER_ID)) {
                // the bootstrap token authenticates before its admin has been published
                return BootstrapAdmin.user(Instant.EPOCH);
            }
        } else {
            user = Values.uuid(reference).flatMap(store::user).or(() -> store.userByUsername(reference));
        }
        return user.orElseThrow(() -> ApiException.notFound("User not found."));
    }

    public List<UserUpserted> list() {
        return store.users();
    }

    public synchronized UserUpserted create(UserFields fields) {
        String username = fields.username().orElseThrow();
        requireFreeUsername(username, null);
        Instant now = now();
        UserUpserted user = new UserUpserted(EventCodec.newEventId(), UUID.randomUUID(), username, fields.name().orElse(""),
                fields.email().flatMap(e -> e).orElse(null), fields.avatarUrl().orElse(""), fields.role().orElse(Role.MEMBER),
                fields.status().orElse(UserStatus.ACTIVE), now, now);
        publisher.publish(user, "Get the user (GET /api/v2/users/" + username + ") before trying again: it may exist already.");
        return store.user(user.userId()).orElse(user);
    }

    public synchronized UserUpserted update(UserUpserted current, UserFields fields) {
        fields.username().ifPresent(u -> requireFreeUsername(u, current.userId()));
        Role role = fields.role().orElse(current.role());
        UserStatus status = fields.status().orElse(current.status());
        boolean wasActiveOwner = current.role() == Role.OWNER && current.status() == UserStatus.ACTIVE;
        boolean staysActiveOwner = role == Role.OWNER && status == UserStatus.ACTIVE;
        if (wasActiveOwner && !staysActiveOwner && activeOwnersOtherThan(current.userId()) == 0) {
            throw ApiException.conflict("At least one active owner must remain.", fields.role().isPresent() ? "role" : "status",
                    "This is the last active owner; make another user an owner first.");
        }
        if (wasActiveOwner && !staysActiveOwner && !anOwnerKeepsAWayIn(current.userId(), role, status, null)) {
            throw ApiException.conflict(NO_WAY_IN, fields.role().isPresent() ? "role" : "status",
                    "No other active owner has a working credential (an unrevoked, unexpired API key, or the configured"
                            + " bootstrap token); create a key for another owner first.");
        }
        UserUpserted updated = new UserUpserted(EventCodec.newEventId(), current.userId(),
                fields.username().orElse(current.username()), fields.name().orElse(current.name()),
                fields.email().isPresent() ? fields.email().get().orElse(null) : current.email(),
                fields.avatarUrl().orElse(current.avatarUrl()), role, status, current.createdAt(), after(current.updatedAt()));
        if (sameUser(current, updated)) {
            return current;
        }
        publisher.publish(updated, "Get the user (GET /api/v2/users/" + current.userId() + ") to see whether the change was made.");
        // answered from the event while this replica has not applied it yet (Kafka has it: it will)
        return store.user(updated.userId()).filter(u -> !u.updatedAt().isBefore(updated.updatedAt())).orElse(updated);
    }

    public List<KeyState> keys(UserUpserted user) {
        return store.keysOf(user.userId());
    }

    public KeyState key(UserUpserted user, String keyId) {
        return store.key(keyId).filter(k -> k.userId().equals(user.userId()))
                .orElseThrow(() -> ApiException.notFound("API key not found."));
    }

    /**
     * Creates a key; the returned token is the only copy of the secret anywhere. Once Kafka has the
     * key, the token is answered even when this replica has not applied the key yet: the key takes
     * effect everywhere, and a 503 would lose its only copy.
     */
    public synchronized CreatedKey createKey(UserUpserted user, KeyFields fields) {
        ApiKeys.GeneratedKey generated = ApiKeys.generate();
        ApiKeyCreated event = new ApiKeyCreated(EventCodec.newEventId(), generated.keyId(), user.userId(), fields.name(),
                generated.secretHash(), now(), fields.expiresAt());
        publisher.publish(event, "List the user's keys (GET /api/v2/users/" + user.userId() + "/keys): if key " + generated.keyId()
                + " is there, revoke it, as its token is lost; then create another.");
        KeyState state = store.key(generated.keyId()).orElseGet(() -> new KeyState(event.keyId(), event.userId(), event.name(),
                event.secretHash(), event.createdAt(), event.expiresAt(), null));
        return new CreatedKey(state, generated.token());
    }

    /** Revokes a key; revoking a revoked key changes nothing. */
    public synchronized KeyState revokeKey(UserUpserted user, String keyId) {
        KeyState key = key(user, keyId);
        if (key.revoked()) {
            return key;
        }
        boolean activeOwner = user.role() == Role.OWNER && user.status() == UserStatus.ACTIVE;
        if (activeOwner && !anOwnerKeepsAWayIn(user.userId(), user.role(), user.status(), keyId)) {
            throw ApiException.conflict(NO_WAY_IN, "key_id",
                    "This is the last working credential of any active owner; create a key for an active owner first.");
        }
        ApiKeyRevoked event = new ApiKeyRevoked(EventCodec.newEventId(), keyId, user.userId(), now());
        publisher.publish(event, "Get the key (GET /api/v2/users/" + user.userId() + "/keys/" + keyId
                + ") to see whether it is revoked; revoking it again is safe.");
        // answered from the event while this replica has not applied it yet (Kafka has it: it will)
        return store.key(keyId).filter(KeyState::revoked).orElseGet(() -> new KeyState(key.keyId(), key.userId(), key.name(),
                key.secretHash(), key.createdAt(), key.expiresAt(), event.revokedAt()));
    }

    /** A key with its one-time token. */
    public record CreatedKey(KeyState key, String token) {
        @Override
        public String toString() {
            return "CreatedKey[" + key + "]";
        }
    }

    private void requireFreeUsername(String username, UUID self) {
        store.userByUsername(username).filter(u -> !u.userId().equals(self)).ifPresent(u -> {
            throw ApiException.conflict("Username is already taken.", "username", "\"" + username + "\" belongs to another user");
        });
    }

    /**
     * True when, with {@code changed} given {@code role} and {@code status} and the key {@code revokedKeyId}
     * (if any) revoked, some active owner still has a working credential: an unrevoked, unexpired key,
     * or the bootstrap token while it is configured here and its key entry is not revoked. Without one
     * nobody could administer users and keys again (revoking the bootstrap entry is final).
     */
    private boolean anOwnerKeepsAWayIn(UUID changed, Role role, UserStatus status, String revokedKeyId) {
        Instant now = Instant.now();
        List<UserUpserted> users = new java.util.ArrayList<>(store.users());
        if (store.user(BootstrapAdmin.USER_ID).isEmpty()) {
            users.add(BootstrapAdmin.user(Instant.EPOCH)); // the token authenticates before its admin is published
        }
        for (UserUpserted u : users) {
            boolean isChanged = u.userId().equals(changed);
            if ((isChanged ? role : u.role()) != Role.OWNER || (isChanged ? status : u.status()) != UserStatus.ACTIVE) {
                continue;
            }
            for (KeyState key : store.keysOf(u.userId())) {
                if (key.keyId().equals(revokedKeyId) || key.revoked() || key.keyId().equals(BootstrapAdmin.KEY_ID)) {
                    continue;
                }
                if (!key.expired(now)) {
                    return true;
                }
            }
            if (u.userId().equals(BootstrapAdmin.USER_ID) && bootstrapTokenConfigured
                    && !BootstrapAdmin.KEY_ID.equals(revokedKeyId)
                    && store.key(BootstrapAdmin.KEY_ID).map(k -> !k.revoked()).orElse(true)) {
                return true;
            }
        }
        return false;
    }

    private long activeOwnersOtherThan(UUID userId) {
        return store.users().stream()
                .filter(u -> u.role() == Role.OWNER && u.status() == UserStatus.ACTIVE && !u.userId().equals(userId))
                .count();
    }

    private static boolean sameUser(UserUpserted a, UserUpserted b) {
        return a.username().equals(b.username()) && a.name().equals(b.name()) && java.util.Objects.equals(a.email(), b.email())
                && a.avatarUrl().equals(b.avatarUrl()) && a.role() == b.role() && a.status() == b.status();
    }

    /** Versions of a user are ordered by updated_at; a new one must sort after the current one. */
    private static Instant after(Instant current) {
        Instant now = now();
        return now.isAfter(current) ? now : current.plus(1, ChronoUnit.MICROS);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
