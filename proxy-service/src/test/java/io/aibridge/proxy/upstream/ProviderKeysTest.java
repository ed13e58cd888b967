package io.aibridge.proxy.upstream;

import io.aibridge.proxy.route.ProviderType;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A provider instance's keys: which one a request starts with, when it moves on, and how long a key stays aside. */
class ProviderKeysTest {

    /** The pool's clock: nanoseconds, as {@link System#nanoTime()}. */
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<String> failovers = new ArrayList<>();

    private void pass(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private ProviderKeys keys(String... values) {
        ProviderKeys keys = ProviderKeys.of("openai-pool", ProviderType.OPENAI, List.of(values), now::get);
        keys.listener((provider, reason) -> failovers.add(provider + " " + reason.label()));
        return keys;
    }

    @Test
    void aRequestStartsWithThePrimaryAndMovesToTheNextKeyWhenTheProviderTurnsItAway() {
        ProviderKeys keys = keys("sk-a", "sk-b", "sk-c");
        ProviderKeys.Walk walk = keys.walk();
        assertThat(walk.key()).isEqualTo("sk-a");
        assertThat(walk.failover(500, -1)).as("a server error is not the key's fault").isFalse();
        assertThat(walk.failover(400, -1)).isFalse();
        assertThat(walk.key()).isEqualTo("sk-a");
        assertThat(keys.available()).isEqualTo(3);

        assertThat(walk.failover(429, 30_000)).isTrue();
        assertThat(walk.key()).isEqualTo("sk-b");
        assertThat(walk.failover(401, -1)).isTrue();
        assertThat(walk.key()).isEqualTo("sk-c");
        assertThat(walk.failover(403, -1)).as("no key left to try").isFalse();
        assertThat(walk.key()).as("the last one tried stays, for the caller's answer").isEqualTo("sk-c");
        assertThat(failovers).containsExactly("openai-pool rate_limited", "openai-pool unauthorized");
        assertThat(keys.failovers()).isEqualTo(2);
        assertThat(keys.available()).as("sk-c is set aside for calls without a model only").isEqualTo(1);
        assertThat(keys.cooling(ProviderKeys.Reason.RATE_LIMITED)).isEqualTo(1);
        assertThat(keys.cooling(ProviderKeys.Reason.UNAUTHORIZED)).isEqualTo(1);
        assertThat(keys.cooling(ProviderKeys.Reason.FORBIDDEN)).as("a 403 sets a key aside for one model, not as a whole").isZero();
        assertThat(keys.forbiddenModels()).isEqualTo(1);
    }

    @Test
    void a403SetsTheKeyAsideForTheRequestsModelOnly() {
        ProviderKeys keys = keys("sk-a", "sk-b");
        ProviderKeys.Walk walk = keys.walk().forModel("gpt-forbidden");
        assertThat(walk.key()).isEqualTo("sk-a");
        assertThat(walk.failover(403, -1)).isTrue();
        assertThat(walk.key()).isEqualTo("sk-b");
        assertThat(failovers).containsExactly("openai-pool forbidden");

        assertThat(keys.walk().forModel("gpt-allowed").key()).as("the key still serves the other models").isEqualTo("sk-a");
        assertThat(keys.walk().key()).as("and the calls without a model").isEqualTo("sk-a");
        assertThat(keys.walk().forModel("gpt-forbidden").key()).isEqualTo("sk-b");
        assertThat(keys.available()).isEqualTo(2);
        assertThat(keys.cooling(ProviderKeys.Reason.FORBIDDEN)).isZero();
        assertThat(keys.forbiddenModels()).isEqualTo(1);

        ProviderKeys.Walk other = keys.walk().forModel("gpt-allowed");
        assertThat(other.failover(429, 1_000)).as("the other model moves on for a reason of its own").isTrue();
        assertThat(other.key()).isEqualTo("sk-b");

        pass(ProviderKeys.REFUSED_COOLDOWN_MILLIS - 1);
        assertThat(keys.walk().forModel("gpt-forbidden").key()).isEqualTo("sk-b");
        pass(1);
        assertThat(keys.walk().forModel("gpt-forbidden").key()).as("tried again after five minutes").isEqualTo("sk-a");
        assertThat(keys.forbiddenModels()).isZero();
    }

    @Test
    void a401AndA429StillSetTheWholeKeyAsideForEveryModel() {
        ProviderKeys unauthorized = keys("sk-a", "sk-b");
        ProviderKeys.Walk walk = unauthorized.walk().forModel("gpt-one");
        assertThat(walk.failover(401, -1)).isTrue();
        assertThat(unauthorized.walk().forModel("gpt-two").key()).as("a 401 is the key's own").isEqualTo("sk-b");
        assertThat(unauthorized.walk().key()).isEqualTo("sk-b");
        assertThat(unauthorized.cooling(ProviderKeys.Reason.UNAUTHORIZED)).isEqualTo(1);
        assertThat(unauthorized.forbiddenModels()).isZero();

        ProviderKeys limited = keys("sk-a", "sk-b");
        assertThat(limited.walk().forModel("gpt-one").failover(429, 30_000)).isTrue();
        assertThat(limited.walk().forModel("gpt-two").key()).as("a 429 may be the key's quota, for every model").isEqualTo("sk-b");
        assertThat(limited.cooling(ProviderKeys.Reason.RATE_LIMITED)).isEqualTo(1);
        pass(30_000);
        assertThat(limited.walk().forModel("gpt-two").key()).isEqualTo("sk-a");
    }

    @Test
    void whenEveryKeyIsForbiddenForAModelTheOneThatRecoversFirstIsSentAndTheWalkEnds() {
        ProviderKeys keys = keys("sk-a", "sk-b");
        ProviderKeys.Walk first = keys.walk().forModel("gpt-forbidden");
        assertThat(first.failover(403, -1)).isTrue();
        pass(1_000);
        assertThat(first.failover(403, -1)).as("no key left to try: the provider's 403 is the caller's").isFalse();
        assertThat(first.key()).isEqualTo("sk-b");

        ProviderKeys.Walk next = keys.walk().forModel("gpt-forbidden");
        assertThat(next.key()).as("sk-a recovers first").isEqualTo("sk-a");
        assertThat(next.failover(403, -1)).as("a walk never moves to a key cooling for its model").isFalse();
        assertThat(keys.walk().forModel("gpt-allowed").key()).isEqualTo("sk-a");
        assertThat(keys.forbiddenModels()).isEqualTo(2);
    }

    @Test
    void theModelIsNamedBeforeTheFirstAttemptAndAWalkThatMovedKeepsItsKey() {
        ProviderKeys keys = keys("sk-a", "sk-b");
        assertThat(keys.walk().failover(403, -1)).as("a passthrough call: no model").isTrue();
        ProviderKeys.Walk bridged = keys.walk();
        assertThat(bridged.key()).as("started for a call without a model").isEqualTo("sk-b");
        assertThat(bridged.forModel("gpt-any").key()).as("started again for its model").isEqualTo("sk-a");
        assertThat(bridged.credential().hint()).isEqualTo(CredentialHint.of("sk-a"));

        ProviderKeys.Walk moved = keys.walk().forModel("gpt-any");
        assertThat(moved.failover(429, 1_000)).isTrue();
        assertThat(moved.forModel("gpt-any").key()).as("a walk never goes back to a key it tried").isEqualTo("sk-b");
    }

    @Test
    void aKeyKeepsA403CooldownForABoundedNumberOfModels() {
        ProviderKeys keys = keys("sk-a", "sk-b");
        int made = ProviderKeys.MAX_FORBIDDEN_MODELS + 10;
        for (int i = 0; i < made; i++) {
            assertThat(keys.walk().forModel("gpt-made-up-" + i).failover(403, -1)).isTrue();
            pass(1);
        }
        assertThat(keys.forbiddenEntries()).isEqualTo(ProviderKeys.MAX_FORBIDDEN_MODELS);
        assertThat(keys.walk().forModel("gpt-made-up-0").key()).as("the ones that end first made room").isEqualTo("sk-a");
        assertThat(keys.walk().forModel("gpt-made-up-" + (made - 1)).key()).isEqualTo("sk-b");

        pass(ProviderKeys.REFUSED_COOLDOWN_MILLIS);
        assertThat(keys.forbiddenModels()).isZero();
        keys.walk().forModel("gpt-later").failover(403, -1);
        assertThat(keys.forbiddenEntries()).as("ended cooldowns are dropped at the next 403").isEqualTo(1);
    }

    @Test
    void aCoolingKeyIsSkippedUntilItsCooldownEndsAndA429CoolsForTheProvidersWait() {
        ProviderKeys keys = keys("sk-a", "sk-b");
        keys.walk().failover(429, 30_000);
        assertThat(keys.walk().key()).isEqualTo("sk-b");
        pass(29_999);
        assertThat(keys.walk().key()).isEqualTo("sk-b");
        pass(1);
        assertThat(keys.walk().key()).as("back after the provider's Retry-After").isEqualTo("sk-a");

        keys.walk().failover(429, -1);
        pass(ProviderKeys.RATE_LIMITED_COOLDOWN_MILLIS - 1);
        assertThat(keys.walk().key()).as("no wait named: a minute").isEqualTo("sk-b");
        pass(1);
        assertThat(keys.walk().key()).isEqualTo("sk-a");

        keys.walk().failover(429, 24 * 3_600_000L);
        pass(ProviderKeys.MAX_COOLDOWN_MILLIS);
        assertThat(keys.walk().key()).as("a day's wait is capped at an hour").isEqualTo("sk-a");

        keys.walk().failover(401, -1);
        pass(ProviderKeys.REFUSED_COOLDOWN_MILLIS - 1);
        assertThat(keys.walk().key()).isEqualTo("sk-b");
        pass(1);
        assertThat(keys.walk().key()).as("a refused key is tried again after five minutes").isEqualTo("sk-a");
    }

    @Test
    void cooldownsRunOnAMonotonicClockWhoseValuesMayBeNegative() {
        now.set(Long.MIN_VALUE / 2); // System.nanoTime() has an arbitrary origin
        ProviderKeys keys = keys("sk-a", "sk-b");
        assertThat(keys.available()).as("fresh keys are not cooling").isEqualTo(2);
        assertThat(keys.walk().key()).isEqualTo("sk-a");
        assertThat(keys.cooling(ProviderKeys.Reason.RATE_LIMITED)).isZero();

        assertThat(keys.walk().failover(429, 30_000)).isTrue();
        assertThat(keys.available()).isEqualTo(1);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(30_000) - 1);
        assertThat(keys.walk().key()).as("one nanosecond before the asked wait ends").isEqualTo("sk-b");
        assertThat(keys.cooling(ProviderKeys.Reason.RATE_LIMITED)).isEqualTo(1);
        now.addAndGet(1);
        assertThat(keys.walk().key()).as("exactly the asked wait").isEqualTo("sk-a");
        assertThat(keys.available()).isEqualTo(2);
    }

    @Test
    void aCooldownAcrossTheWrapOfTheClockEndsOnTime() {
        now.set(Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(10));
        ProviderKeys keys = keys("sk-a", "sk-b");
        keys.walk().failover(429, 30_000);
        pass(20_000); // the clock has wrapped to a negative value
        assertThat(now.get()).isNegative();
        assertThat(keys.walk().key()).isEqualTo("sk-b");
        pass(10_000);
        assertThat(keys.walk().key()).isEqualTo("sk-a");
    }

    @Test
    void whenEveryKeyIsCoolingTheOneThatRecoversFirstIsUsedAndOneKeyIsAlwaysUsed() {
        ProviderKeys keys = keys("sk-a", "sk-b", "sk-c");
        ProviderKeys.Walk walk = keys.walk();
        walk.failover(429, 50_000);
        walk.failover(429, 10_000);
        walk.failover(429, 30_000);
        assertThat(keys.walk().key()).isEqualTo("sk-b");
        assertThat(keys.walk().failover(429, 10_000)).as("a walk never moves to a cooling key").isFalse();

        ProviderKeys one = keys("sk-only");
        ProviderKeys.Walk single = one.walk();
        assertThat(single.failover(429, 5_000)).isFalse();
        assertThat(one.walk().key()).as("a single key behaves as KEY: it is always sent").isEqualTo("sk-only");
        assertThat(one.failovers()).isZero();
    }

    @Test
    void aLongerCooldownIsKeptAndTwoRequestsNeverTryTheSameKeyTwice() {
        ProviderKeys keys = keys("sk-a", "sk-b");
        ProviderKeys.Walk first = keys.walk();
        ProviderKeys.Walk second = keys.walk();
        assertThat(first.failover(401, -1)).isTrue();
        assertThat(second.failover(429, 1_000)).as("the second request, already on sk-a, moves on too").isTrue();
        pass(1_000);
        assertThat(keys.walk().key()).as("the 401's five minutes are not shortened by a later 429's second").isEqualTo("sk-b");
        assertThat(first.failover(429, -1)).as("sk-a was tried by this walk already").isFalse();
    }

    @Test
    void theKeyGoesIntoItsProvidersHeaderAndNoneLeavesTheHeadersAlone() {
        MultiMap openai = ProviderKeys.of("o", ProviderType.OPENAI, List.of("sk-proj-1")).walk()
                .applyTo(MultiMap.caseInsensitiveMultiMap());
        assertThat(openai.get("Authorization")).isEqualTo("Bearer sk-proj-1");
        ProviderKeys.Walk anthropic = ProviderKeys.of("a", ProviderType.ANTHROPIC, List.of("sk-ant-1", "sk-ant-2")).walk();
        anthropic.failover(403, -1);
        assertThat(anthropic.applyTo(MultiMap.caseInsensitiveMultiMap().add("x-api-key", "sk-ant-1")).getAll("x-api-key"))
                .containsExactly("sk-ant-2");
        assertThat(anthropic.credential().hint()).isEqualTo("s...2");
        MultiMap untouched = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer caller-own");
        assertThat(ProviderKeys.Walk.NONE.applyTo(untouched).get("Authorization")).isEqualTo("Bearer caller-own");
        assertThat(ProviderKeys.Walk.NONE.failover(429, -1)).isFalse();
        assertThat(ProviderKeys.of("x", ProviderType.OPENAI, List.of()).walk()).isSameAs(ProviderKeys.Walk.NONE);
    }
}
