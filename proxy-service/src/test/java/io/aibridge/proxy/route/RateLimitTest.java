package io.aibridge.proxy.route;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token bucket behind {@code AIBRIDGE_RATE_LIMIT}, on a clock the test moves. */
class RateLimitTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private RateLimit limit(int rate) {
        return new RateLimit(rate, now::get, registry, null);
    }

    private static int admitted(RateLimit limit, String caller, int requests) {
        int admitted = 0;
        for (int i = 0; i < requests; i++) {
            admitted += limit.admit(caller) ? 1 : 0;
        }
        return admitted;
    }

    @Test
    void aCallerMayBurstUpToTheRateAndThenKeepsToIt() {
        RateLimit limit = limit(5);
        assertThat(admitted(limit, "a", 8)).isEqualTo(5);
        now.addAndGet(200 * MS); // a fifth of a second refills one request
        assertThat(admitted(limit, "a", 3)).isEqualTo(1);
        now.addAndGet(100 * MS); // half a request: not yet
        assertThat(limit.admit("a")).isFalse();
        now.addAndGet(100 * MS);
        assertThat(limit.admit("a")).isTrue();
        now.addAndGet(10_000 * MS); // idle: a full bucket, never more
        assertThat(admitted(limit, "a", 20)).isEqualTo(5);
        assertThat(registry.get("aibridge.rate.limited").counter().count()).isEqualTo(3 + 2 + 1 + 15);
    }

    @Test
    void callersAreCountedApart() {
        RateLimit limit = limit(2);
        assertThat(admitted(limit, "a", 5)).isEqualTo(2);
        assertThat(admitted(limit, "b", 5)).isEqualTo(2);
        assertThat(limit.callers()).isEqualTo(2);
    }

    @Test
    void idleCallersAreForgottenAndComeBackWithAFullBucket() {
        RateLimit limit = limit(3);
        admitted(limit, "a", 3);
        now.addAndGet(500 * MS);
        admitted(limit, "b", 1);
        limit.sweep();
        assertThat(limit.callers()).as("nobody idle for a second yet").isEqualTo(2);
        now.addAndGet(600 * MS);
        limit.sweep();
        assertThat(limit.callers()).as("a idle for 1.1 s, b for 0.6 s").isEqualTo(1);
        assertThat(admitted(limit, "a", 5)).isEqualTo(3);
    }

    @Test
    void zeroIsNoLimitAndANegativeRateStopsTheService() {
        RateLimit off = limit(0);
        assertThat(off.rate()).isZero();
        assertThat(registry.get("aibridge.rate.limit").gauge().value()).isZero();
        off.unregister();
        assertThat(registry.getMeters()).isEmpty();
        assertThatThrownBy(() -> limit(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AIBRIDGE_RATE_LIMIT must be 0 (no limit) or a number of requests per second, not -2");
    }
}
