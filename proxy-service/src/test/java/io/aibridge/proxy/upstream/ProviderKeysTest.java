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
        assertThat(keys.available()).isZero();
        assertThat(keys.cooling(ProviderKeys.Reason.RATE_LIMITED)).isEqualTo(1);
        assertThat(keys.cooling(ProviderKeys.Reason.UNAUTHORIZED)).isEqualTo(1);
        assertThat(keys.cooling(ProviderKeys.Reason.FORBIDDEN)).isEqualTo(1);
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
