package io.aibridge.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.IdentityEvent;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users and API keys held in memory, built from the identity topic, so that authenticating a
 * request is a couple of map look-ups and a hash: no database round trip on the hot path, and
 * known keys keep working while Kafka or PostgreSQL is down. Thread-safe.
 */
public final class IdentityStore {

    /** An API key as known from its creation and revocation events. */
    public record KeyState(String keyId, UUID userId, String name, String secretHash, Instant createdAt,
                           Instant expiresAt, Instant revokedAt) {

        static KeyState created(ApiKeyCreated e) {
            return new KeyState(e.keyId(), e.userId(), e.name(), e.secretHash(), e.createdAt(), e.expiresAt(), null);
        }

        static KeyState revoked(ApiKeyRevoked e) {
            return new KeyState(e.keyId(), e.userId(), "", null, null, null, e.revokedAt());
        }

        /**
         * Revocation is final: a creation seen after it (redelivery) fills in details but does not revive
         * the key. A hash of no secret ({@link BootstrapAdmin#NO_SECRET_HASH}) replaces any other: it is
         * how an entry that held a hash is scrubbed.
         */
        KeyState merge(KeyState later) {
            boolean scrubbed = BootstrapAdmin.NO_SECRET_HASH.equals(secretHash) || BootstrapAdmin.NO_SECRET_HASH.equals(later.secretHash);
            return new KeyState(keyId, userId,
                    name.isEmpty() ? later.name : name,
                    scrubbed ? BootstrapAdmin.NO_SECRET_HASH : secretHash != null ? secretHash : later.secretHash,
                    createdAt != null ? createdAt : later.createdAt,
                    expiresAt != null ? expiresAt : later.expiresAt,
                    revokedAt != null ? revokedAt : later.revokedAt);
        }

        public boolean revoked() {
            return revokedAt != null;
        }

        public boolean expired(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }

        @Override
        public String toString() {
            return "KeyState[keyId=" + keyId + ", userId=" + userId + ", revoked=" + revoked() + "]";
        }
    }

    private final Map<UUID, UserUpserted> users = new ConcurrentHashMap<>();
    private final Map<String, UUID> userIdsByUsername = new ConcurrentHashMap<>();
    /** The name each user holds in {@link #userIdsByUsername}; guarded by itself, as are the index's writes. */
    private final Map<UUID, String> indexedNames = new HashMap<>();
    private final Map<String, KeyState> keys = new ConcurrentHashMap<>();
    private final Map<UUID, CompletableFuture<Void>> awaited = new ConcurrentHashMap<>();
    private final byte[] bootstrapTokenHash;

    /** @param bootstrapToken {@code AIBRIDGE_BOOTSTRAP_TOKEN}, or null/blank when not configured */
    public IdentityStore(String bootstrapToken) {
        this.bootstrapTokenHash = bootstrapToken == null || bootstrapToken.isBlank() ? null : ApiKeys.sha256(bootstrapToken);
    }

    /** Applies one event. Idempotent, and tolerant of redelivery and of compaction's gaps. */
    public void apply(IdentityEvent event) {
        if (event instanceof UserUpserted user) {
            UserUpserted kept = users.merge(user.userId(), user,
                    (held, incoming) -> incoming.updatedAt().isBefore(held.updatedAt()) ? held : incoming);
            if (kept == user) {
                index(user);
            }
        } else if (event instanceof ApiKeyCreated created) {
            keys.merge(created.keyId(), KeyState.created(created), KeyState::merge);
        } else if (event instanceof ApiKeyRevoked revoked) {
            keys.merge(revoked.keyId(), KeyState.revoked(revoked), (held, incoming) -> incoming.merge(held));
        }
        CompletableFuture<Void> waiting = awaited.remove(event.eventId());
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /**
     * Completes once the event with this id has been applied: lets a writer answer only after its
     * own change is visible (read-your-writes). Call before publishing.
     */
    public CompletableFuture<Void> whenApplied(UUID eventId) {
        return awaited.computeIfAbsent(eventId, id -> new CompletableFuture<>());
    }

    /**
     * Stops waiting for the event: a writer calls it once it has its answer, so that an event that
     * is never applied (Kafka refused it, or never wrote it) leaves nothing behind.
     */
    public void forget(UUID eventId) {
        awaited.remove(eventId);
    }

    /**
     * Authenticates a bridge token (from {@code Authorization: Bearer}, {@code X-Api-Key} or {@code Coder-Session-Token}).
     * The bootstrap token, as itself or as {@code aib_bootstrap_<token>}, is compared in constant time with the
     * token this service is configured with, never with the bootstrap key entry on the topic: it works exactly
     * while it is configured.
     */
    public Authentication authenticate(String token, Instant now) {
        if (token == null || token.isBlank()) {
            return Authentication.failed(Authentication.Outcome.MISSING);
        }
        if (isBootstrapToken(token)) {
            return authenticateBootstrap();
        }
        Optional<ApiKeys.ParsedToken> parsed = ApiKeys.parse(token);
        if (parsed.isEmpty()) {
            return Authentication.failed(Authentication.Outcome.UNKNOWN_KEY);
        }
        if (parsed.get().keyId().equals(BootstrapAdmin.KEY_ID)) {
            return isBootstrapToken(parsed.get().secret()) ? authenticateBootstrap()
                    : Authentication.failed(Authentication.Outcome.UNKNOWN_KEY);
        }
        KeyState key = keys.get(parsed.get().keyId());
        if (key == null || !ApiKeys.matches(parsed.get().secret(), key.secretHash())) {
            return Authentication.failed(Authentication.Outcome.UNKNOWN_KEY);
        }
        if (key.revoked()) {
            return Authentication.failed(Authentication.Outcome.REVOKED);
        }
        if (key.expired(now)) {
            return Authentication.failed(Authentication.Outcome.EXPIRED);
        }
        UserUpserted user = users.get(key.userId());
        if (user == null || user.status() != UserStatus.ACTIVE) {
            return Authentication.failed(Authentication.Outcome.USER_INACTIVE);
        }
        return Authentication.of(new Principal(user.userId(), user.username(), user.name(), user.role(), key.keyId()));
    }

    private boolean isBootstrapToken(String token) {
        return bootstrapTokenHash != null && MessageDigest.isEqual(ApiKeys.sha256(token), bootstrapTokenHash);
    }

    private Authentication authenticateBootstrap() {
        KeyState key = keys.get(BootstrapAdmin.KEY_ID);
        if (key != null && key.revoked()) {
            return Authentication.failed(Authentication.Outcome.REVOKED);
        }
        UserUpserted admin = users.get(BootstrapAdmin.USER_ID);
        if (admin == null) {
            admin = BootstrapAdmin.user(Instant.EPOCH);
        } else if (admin.status() != UserStatus.ACTIVE) {
            return Authentication.failed(Authentication.Outcome.USER_INACTIVE);
        }
        return Authentication.of(new Principal(admin.userId(), admin.username(), admin.name(), admin.role(), BootstrapAdmin.KEY_ID));
    }

    public Optional<UserUpserted> user(UUID id) {
        return Optional.ofNullable(users.get(id));
    }

    /** Case-insensitive. */
    public Optional<UserUpserted> userByUsername(String username) {
        UUID id = userIdsByUsername.get(normalise(username));
        return id == null ? Optional.empty() : user(id);
    }

    /** Every user, by username. */
    public List<UserUpserted> users() {
        return users.values().stream().sorted(Comparator.comparing(UserUpserted::username)).toList();
    }

    public Optional<KeyState> key(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    /** Every key, newest first. */
    public List<KeyState> keys() {
        return sortedKeys(keys.values());
    }

    public List<KeyState> keysOf(UUID userId) {
        return sortedKeys(keys.values().stream().filter(k -> k.userId().equals(userId)).toList());
    }

    private static List<KeyState> sortedKeys(Collection<KeyState> keys) {
        return keys.stream()
                .sorted(Comparator.comparing(KeyState::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(KeyState::keyId))
                .toList();
    }

    /**
     * Points the user's name at it, unless another user's current record holds that name and is
     * newer (records of several partitions arrive interleaved: a rename applied before an older
     * record of another user must not lose the name), and releases the name it held before to the
     * latest other user whose current name it is. The new mapping is written before the old one
     * goes, so a reader never finds a current name missing.
     */
    private void index(UserUpserted user) {
        UUID id = user.userId();
        String name = normalise(user.username());
        synchronized (indexedNames) {
            UUID holder = userIdsByUsername.get(name);
            String previous;
            if (holder == null || holder.equals(id) || !currentlyNamed(holder, name)
                    || !user.updatedAt().isBefore(users.get(holder).updatedAt())) {
                userIdsByUsername.put(name, id);
                if (holder != null && !holder.equals(id)) {
                    indexedNames.remove(holder, name);
                }
                previous = indexedNames.put(id, name);
            } else {
                previous = indexedNames.remove(id);
            }
            if (previous != null && !previous.equals(name)) {
                release(previous, id);
            }
        }
    }

    /** {@code name}, which {@code id} no longer holds, goes to the latest other user named so, or to nobody. */
    private void release(String name, UUID id) {
        Optional<UserUpserted> next = users.values().stream()
                .filter(u -> !u.userId().equals(id) && normalise(u.username()).equals(name))
                .max(Comparator.comparing(UserUpserted::updatedAt));
        if (next.isPresent()) {
            userIdsByUsername.replace(name, id, next.get().userId());
            indexedNames.put(next.get().userId(), name);
        } else {
            userIdsByUsername.remove(name, id);
        }
    }

    private boolean currentlyNamed(UUID userId, String name) {
        UserUpserted current = users.get(userId);
        return current != null && normalise(current.username()).equals(name);
    }

    private static String normalise(String username) {
        return username.toLowerCase(Locale.ROOT);
    }
}
