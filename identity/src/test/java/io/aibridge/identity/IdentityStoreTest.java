package io.aibridge.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityStoreTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    private final IdentityStore store = new IdentityStore("bootstrap-secret-token");
    private final UUID alice = UUID.randomUUID();

    private UserUpserted alice(UserStatus status, Instant updatedAt) {
        return new UserUpserted(EventCodec.newEventId(), alice, "alice", "Alice", null, "", Role.MEMBER, status,
                NOW.minusSeconds(3600), updatedAt);
    }

    private ApiKeys.GeneratedKey keyFor(UUID user, Instant expiresAt) {
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        store.apply(new ApiKeyCreated(EventCodec.newEventId(), key.keyId(), user, "laptop", key.secretHash(),
                NOW.minusSeconds(60), expiresAt));
        return key;
    }

    @Test
    void aValidKeyOfAnActiveUserAuthenticatesAsThatUser() {
        store.apply(alice(UserStatus.ACTIVE, NOW));
        ApiKeys.GeneratedKey key = keyFor(alice, null);

        Authentication auth = store.authenticate(key.token(), NOW);

        assertThat(auth.authenticated()).isTrue();
        assertThat(auth.principal().userId()).isEqualTo(alice);
        assertThat(auth.principal().username()).isEqualTo("alice");
        assertThat(auth.principal().apiKeyId()).isEqualTo(key.keyId());
        assertThat(auth.principal().readsEverything()).isFalse();
    }

    @Test
    void aWriterWaitsForItsEventUntilItIsAppliedOrForgotten() {
        UserUpserted applied = alice(UserStatus.ACTIVE, NOW);
        var waiting = store.whenApplied(applied.eventId());
        assertThat(store.whenApplied(applied.eventId())).as("one waiter per event").isSameAs(waiting);
        store.apply(applied);
        assertThat(waiting).isCompleted();

        UserUpserted neverApplied = alice(UserStatus.ACTIVE, NOW.plusSeconds(1));
        var forgotten = store.whenApplied(neverApplied.eventId());
        store.forget(neverApplied.eventId());
        assertThat(store.whenApplied(neverApplied.eventId())).as("nothing is left of a forgotten waiter").isNotSameAs(forgotten);
        assertThat(forgotten).isNotDone();
    }

    @Test
    void aUsernameGoesToItsLatestHolderWhateverOrderThePartitionsDeliverIn() {
        UUID x = UUID.randomUUID();
        UUID y = UUID.randomUUID();
        // y took "alice" at t3 after x had renamed itself from "alice" to "bob" at t2: delivered y, x(t1), x(t2)
        store.apply(named(y, "alice", NOW.plusSeconds(3)));
        store.apply(named(x, "Alice", NOW.plusSeconds(1)));
        assertThat(store.userByUsername("alice")).map(UserUpserted::userId).as("an older record does not take the name").contains(y);
        store.apply(named(x, "bob", NOW.plusSeconds(2)));

        assertThat(store.userByUsername("ALICE")).map(UserUpserted::userId).contains(y);
        assertThat(store.userByUsername("bob")).map(UserUpserted::userId).contains(x);

        // y renames itself: "alice" is nobody's now
        store.apply(named(y, "carol", NOW.plusSeconds(4)));
        assertThat(store.userByUsername("alice")).isEmpty();
        assertThat(store.userByUsername("carol")).map(UserUpserted::userId).contains(y);
    }

    @Test
    void aNameAUserLeavesGoesToAnotherUserWhoseCurrentNameItIs() {
        UUID x = UUID.randomUUID();
        UUID y = UUID.randomUUID();
        store.apply(named(x, "dave", NOW.plusSeconds(1)));
        store.apply(named(y, "dave", NOW.plusSeconds(2)));
        store.apply(named(y, "erin", NOW.plusSeconds(3)));

        assertThat(store.userByUsername("dave")).map(UserUpserted::userId).contains(x);
        assertThat(store.userByUsername("erin")).map(UserUpserted::userId).contains(y);
    }

    @Test
    void aReaderNeverFindsACurrentNameMissingWhileItsUserIsReapplied() throws Exception {
        UUID x = UUID.randomUUID();
        store.apply(named(x, "frank", NOW));
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong misses = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                if (store.userByUsername("frank").isEmpty()) {
                    misses.incrementAndGet();
                }
            }
        });
        reader.start();
        for (int i = 1; i <= 200_000; i++) {
            store.apply(named(x, "frank", NOW.plusNanos(i)));
        }
        done.set(true);
        reader.join();

        assertThat(misses.get()).isZero();
    }

    private static UserUpserted named(UUID id, String username, Instant updatedAt) {
        return new UserUpserted(EventCodec.newEventId(), id, username, username, null, "", Role.MEMBER, UserStatus.ACTIVE,
                NOW.minusSeconds(3600), updatedAt);
    }

    @Test
    void aWrongSecretForAKnownKeyIdIsRejected() {
        store.apply(alice(UserStatus.ACTIVE, NOW));
        ApiKeys.GeneratedKey key = keyFor(alice, null);
        assertThat(store.authenticate("aib_" + key.keyId() + "_wrongsecret", NOW).outcome())
                .isEqualTo(Authentication.Outcome.UNKNOWN_KEY);
        assertThat(store.authenticate("not-a-key", NOW).outcome()).isEqualTo(Authentication.Outcome.UNKNOWN_KEY);
        assertThat(store.authenticate(" ", NOW).outcome()).isEqualTo(Authentication.Outcome.MISSING);
    }

    @Test
    void revokedExpiredAndSuspendedAreRejectedWithTheirReason() {
        store.apply(alice(UserStatus.ACTIVE, NOW));
        ApiKeys.GeneratedKey revoked = keyFor(alice, null);
        store.apply(new ApiKeyRevoked(EventCodec.newEventId(), revoked.keyId(), alice, NOW));
        ApiKeys.GeneratedKey expired = keyFor(alice, NOW.minusSeconds(1));
        ApiKeys.GeneratedKey valid = keyFor(alice, NOW.plus(Duration.ofDays(1)));

        assertThat(store.authenticate(revoked.token(), NOW).outcome()).isEqualTo(Authentication.Outcome.REVOKED);
        assertThat(store.authenticate(expired.token(), NOW).outcome()).isEqualTo(Authentication.Outcome.EXPIRED);
        assertThat(store.authenticate(valid.token(), NOW).authenticated()).isTrue();

        store.apply(alice(UserStatus.SUSPENDED, NOW.plusSeconds(1)));
        assertThat(store.authenticate(valid.token(), NOW).outcome()).isEqualTo(Authentication.Outcome.USER_INACTIVE);
    }

    @Test
    void aRevocationSeenBeforeTheCreationStillWins() {
        store.apply(alice(UserStatus.ACTIVE, NOW));
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        store.apply(new ApiKeyRevoked(EventCodec.newEventId(), key.keyId(), alice, NOW));
        store.apply(new ApiKeyCreated(EventCodec.newEventId(), key.keyId(), alice, "laptop", key.secretHash(), NOW, null));
        assertThat(store.authenticate(key.token(), NOW).outcome()).isEqualTo(Authentication.Outcome.REVOKED);
    }

    @Test
    void anOlderUserVersionNeverOverwritesANewerOne() {
        store.apply(alice(UserStatus.SUSPENDED, NOW));
        store.apply(alice(UserStatus.ACTIVE, NOW.minusSeconds(10)));
        assertThat(store.user(alice)).get().extracting(UserUpserted::status).isEqualTo(UserStatus.SUSPENDED);
        assertThat(store.userByUsername("ALICE")).isPresent();
    }

    @Test
    void theBootstrapTokenIsTheAdminOwnerEvenBeforeTheTopicHasAnything() {
        Authentication auth = store.authenticate("bootstrap-secret-token", NOW);
        assertThat(auth.authenticated()).isTrue();
        assertThat(auth.principal().userId()).isEqualTo(BootstrapAdmin.USER_ID);
        assertThat(auth.principal().isOwner()).isTrue();

        assertThat(store.authenticate("aib_bootstrap_bootstrap-secret-token", NOW).authenticated()).isTrue();

        store.apply(BootstrapAdmin.key(NOW));
        assertThat(store.authenticate("bootstrap-secret-token", NOW).authenticated()).isTrue();
        store.apply(new ApiKeyRevoked(EventCodec.newEventId(), BootstrapAdmin.KEY_ID, BootstrapAdmin.USER_ID, NOW));
        assertThat(store.authenticate("bootstrap-secret-token", NOW).outcome()).isEqualTo(Authentication.Outcome.REVOKED);
        assertThat(new IdentityStore(null).authenticate("bootstrap-secret-token", NOW).authenticated()).isFalse();
    }

    /** What an earlier version published for the bootstrap token: a key entry holding the SHA-256 of the whole token. */
    private static ApiKeyCreated keyEntryWithTheHashOf(String token) {
        return new ApiKeyCreated(EventCodec.newEventId(), BootstrapAdmin.KEY_ID, BootstrapAdmin.USER_ID, "bootstrap token",
                ApiKeys.sha256Hex(token), NOW.minusSeconds(3600), null);
    }

    @Test
    void anEarlierBootstrapTokenStopsWorkingOnceTheServiceIsConfiguredWithAnotherOrNone() {
        store.apply(keyEntryWithTheHashOf("earlier-token"));

        assertThat(store.authenticate("aib_bootstrap_earlier-token", NOW).outcome()).isEqualTo(Authentication.Outcome.UNKNOWN_KEY);
        assertThat(store.authenticate("earlier-token", NOW).outcome()).isEqualTo(Authentication.Outcome.UNKNOWN_KEY);
        assertThat(store.authenticate("aib_bootstrap_bootstrap-secret-token", NOW).principal().apiKeyId()).isEqualTo(BootstrapAdmin.KEY_ID);
        assertThat(store.authenticate("bootstrap-secret-token", NOW).authenticated()).isTrue();

        IdentityStore unconfigured = new IdentityStore(null);
        unconfigured.apply(keyEntryWithTheHashOf("earlier-token"));
        assertThat(unconfigured.authenticate("aib_bootstrap_earlier-token", NOW).authenticated()).isFalse();
        assertThat(unconfigured.authenticate("earlier-token", NOW).authenticated()).isFalse();
    }

    @Test
    void theBootstrapKeyEntryCarriesNoHashOfTheTokenAndScrubsAnEarlierOneInEitherOrder() {
        assertThat(BootstrapAdmin.key(NOW).secretHash()).isEqualTo(BootstrapAdmin.NO_SECRET_HASH)
                .isNotEqualTo(ApiKeys.sha256Hex("bootstrap-secret-token"));

        store.apply(keyEntryWithTheHashOf("earlier-token"));
        IdentityStore.KeyState legacy = store.key(BootstrapAdmin.KEY_ID).orElseThrow();
        assertThat(BootstrapAdmin.holdsTokenHash(legacy)).isTrue();
        store.apply(BootstrapAdmin.withoutHash(legacy));
        IdentityStore.KeyState scrubbed = store.key(BootstrapAdmin.KEY_ID).orElseThrow();
        assertThat(scrubbed.secretHash()).isEqualTo(BootstrapAdmin.NO_SECRET_HASH);
        assertThat(scrubbed.createdAt()).isEqualTo(legacy.createdAt());
        assertThat(BootstrapAdmin.holdsTokenHash(scrubbed)).isFalse();

        IdentityStore replayed = new IdentityStore(null);
        replayed.apply(BootstrapAdmin.withoutHash(legacy));
        replayed.apply(keyEntryWithTheHashOf("earlier-token"));
        assertThat(replayed.key(BootstrapAdmin.KEY_ID).orElseThrow().secretHash()).isEqualTo(BootstrapAdmin.NO_SECRET_HASH);
    }

    @Test
    void generatedKeysParseBackAndNeverPrintTheirSecret() {
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        assertThat(key.token()).matches("aib_[a-z2-7]{12}_[A-Za-z0-9_-]{43}");
        assertThat(ApiKeys.parse(key.token())).get().extracting(ApiKeys.ParsedToken::keyId).isEqualTo(key.keyId());
        assertThat(key.toString()).doesNotContain(key.token().substring(17));
        assertThat(ApiKeys.parse("aib_")).isEmpty();
        assertThat(ApiKeys.parse("aib_id_")).isEmpty();
    }

    @Test
    void tokensAreReadFromBearerThenApiKeyThenCoderSessionToken() {
        assertThat(TokenHeaders.token(h -> h.equals("Authorization") ? "bearer abc" : null)).isEqualTo("abc");
        assertThat(TokenHeaders.token(h -> h.equals("Authorization") ? "Basic abc def" : h.equals("X-Api-Key") ? "k" : null))
                .isEqualTo("k");
        assertThat(TokenHeaders.token(h -> h.equals("Coder-Session-Token") ? " s " : null)).isEqualTo("s");
        assertThat(TokenHeaders.token(h -> null)).isNull();
    }
}
