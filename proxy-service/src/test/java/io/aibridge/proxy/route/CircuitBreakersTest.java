package io.aibridge.proxy.route;

import io.aibridge.events.EndStatus;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.route.CircuitBreakers.Permit;
import io.aibridge.proxy.route.CircuitBreakers.Settings;
import io.aibridge.proxy.route.CircuitBreakers.State;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state machine behind {@code AIBRIDGE_CIRCUIT_BREAKER_*}, on a clock the test moves. */
class CircuitBreakersTest {

    private static final long SECOND = 1_000_000_000L;
    private static final String MODEL = "claude-sonnet-4-5";
    private static final Tags TAGS = Tags.of("provider", "anthropic", "endpoint", "/v1/messages", "model", MODEL);

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** The reference's defaults: 5 failures, 10 s interval, 30 s open, 3 probes. */
    private CircuitBreakers breakers() {
        return breakers(Duration.ofSeconds(10));
    }

    private CircuitBreakers breakers(Duration interval) {
        return new CircuitBreakers(new Settings(true, 5, interval, Duration.ofSeconds(30), 3), now::get, registry,
                new ProxyMetrics(registry)::modelLabel, null);
    }

    private static Permit admit(CircuitBreakers breakers) {
        return breakers.admit(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", MODEL);
    }

    private static State state(CircuitBreakers breakers) {
        return breakers.state(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", MODEL);
    }

    /** Sends {@code n} requests that end with {@code status}; returns how many were admitted. */
    private static int answered(CircuitBreakers breakers, int n, int status) {
        int admitted = 0;
        for (int i = 0; i < n; i++) {
            Permit permit = admit(breakers);
            if (!permit.refused()) {
                admitted++;
                permit.done(status < 400 ? EndStatus.COMPLETED : EndStatus.FAILED, status);
            }
        }
        return admitted;
    }

    private double gauge() {
        return registry.get("aibridge.circuit_breaker.state").tags(TAGS).gauge().value();
    }

    private double count(String name) {
        return registry.get(name).tags(TAGS).counter().count();
    }

    @Test
    void offLetsEverythingThroughAndKeepsNothing() {
        CircuitBreakers breakers = new CircuitBreakers(new Settings(false, 5, Duration.ofSeconds(10), Duration.ofSeconds(30), 3),
                now::get, registry, new ProxyMetrics(registry)::modelLabel, null);
        assertThat(answered(breakers, 20, 503)).isEqualTo(20);
        assertThat(breakers.size()).isZero();
        assertThat(registry.find("aibridge.circuit_breaker.state").gauges()).isEmpty();
    }

    @Test
    void fiveFailuresInARowOpenTheBreakerWhichRefusesUntilItsTimeoutHasPassed() {
        CircuitBreakers breakers = breakers();
        assertThat(answered(breakers, 4, 429)).isEqualTo(4);
        assertThat(state(breakers)).isEqualTo(State.CLOSED);
        assertThat(gauge()).isZero();
        assertThat(answered(breakers, 1, 503)).isEqualTo(1);
        assertThat(state(breakers)).isEqualTo(State.OPEN);
        assertThat(gauge()).isEqualTo(1.0);
        assertThat(count("aibridge.circuit_breaker.trips")).isEqualTo(1.0);

        Permit refused = admit(breakers);
        assertThat(refused.refused()).isTrue();
        assertThat(refused.retryAfterSeconds()).as("the whole timeout is left").isEqualTo(30);
        now.addAndGet(20 * SECOND + SECOND / 2);
        assertThat(admit(breakers).retryAfterSeconds()).as("9.5 s left, rounded up").isEqualTo(10);
        assertThat(count("aibridge.circuit_breaker.rejects")).isEqualTo(2.0);

        now.addAndGet(10 * SECOND);
        assertThat(state(breakers)).isEqualTo(State.HALF_OPEN);
        assertThat(gauge()).isEqualTo(0.5);
    }

    @Test
    void aSuccessOrAnyOtherStatusResetsTheCount() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 4, 504);
        answered(breakers, 1, 200);
        answered(breakers, 4, 429);
        answered(breakers, 1, 500); // not the provider shedding load
        answered(breakers, 4, 429);
        answered(breakers, 1, 502); // the provider unreachable: not a failure in the reference either
        answered(breakers, 4, 429);
        assertThat(state(breakers)).isEqualTo(State.CLOSED);
        answered(breakers, 1, 429);
        assertThat(state(breakers)).isEqualTo(State.OPEN);
    }

    @Test
    void theCountStartsOverEveryIntervalUnlessTheIntervalIsZero() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 4, 429);
        now.addAndGet(10 * SECOND);
        answered(breakers, 4, 429);
        assertThat(state(breakers)).isEqualTo(State.CLOSED);

        CircuitBreakers never = breakers(Duration.ZERO);
        answered(never, 4, 429);
        now.addAndGet(3_600 * SECOND);
        answered(never, 1, 429);
        assertThat(state(never)).isEqualTo(State.OPEN);
    }

    @Test
    void halfOpenLetsThreeProbesThroughAndThreeSuccessesCloseIt() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 5, 429);
        now.addAndGet(30 * SECOND);

        List<Permit> probes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            probes.add(admit(breakers));
        }
        assertThat(probes).noneMatch(Permit::refused);
        Permit fourth = admit(breakers);
        assertThat(fourth.refused()).as("over the half-open allowance").isTrue();
        assertThat(fourth.retryAfterSeconds()).isEqualTo(1);

        probes.get(0).done(EndStatus.COMPLETED, 200);
        probes.get(1).done(EndStatus.COMPLETED, 200);
        assertThat(state(breakers)).isEqualTo(State.HALF_OPEN);
        probes.get(2).done(EndStatus.COMPLETED, 200);
        assertThat(state(breakers)).isEqualTo(State.CLOSED);
        assertThat(answered(breakers, 10, 200)).isEqualTo(10);
    }

    @Test
    void oneFailedProbeOpensItAgainForAWholeTimeout() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 5, 503);
        now.addAndGet(30 * SECOND);
        Permit probe = admit(breakers);
        Permit other = admit(breakers);
        probe.done(EndStatus.FAILED, 529);
        assertThat(state(breakers)).isEqualTo(State.OPEN);
        assertThat(count("aibridge.circuit_breaker.trips")).isEqualTo(2.0);
        assertThat(admit(breakers).retryAfterSeconds()).isEqualTo(30);

        other.done(EndStatus.COMPLETED, 200);
        assertThat(state(breakers)).as("a probe admitted before it reopened says nothing now").isEqualTo(State.OPEN);
    }

    @Test
    void answersToRequestsAdmittedInAnEarlierStateAreIgnored() {
        CircuitBreakers breakers = breakers(Duration.ZERO);
        Permit slow = admit(breakers); // a long stream, admitted while closed
        answered(breakers, 5, 429);
        assertThat(state(breakers)).isEqualTo(State.OPEN);
        now.addAndGet(30 * SECOND);
        assertThat(state(breakers)).isEqualTo(State.HALF_OPEN);
        slow.done(EndStatus.FAILED, 429);
        assertThat(state(breakers)).as("its failure belongs to the closed state that is gone").isEqualTo(State.HALF_OPEN);
        assertThat(answered(breakers, 3, 200)).isEqualTo(3);
        assertThat(state(breakers)).isEqualTo(State.CLOSED);
    }

    @Test
    void aCancelledRequestCountsAsNeitherButGivesItsProbeBack() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 4, 429);
        admit(breakers).done(EndStatus.CANCELLED, null);
        admit(breakers).done(EndStatus.CANCELLED, 200);
        answered(breakers, 1, 429);
        assertThat(state(breakers)).as("the cancellations did not reset the count").isEqualTo(State.OPEN);

        now.addAndGet(30 * SECOND);
        Permit first = admit(breakers);
        admit(breakers);
        admit(breakers);
        assertThat(admit(breakers).refused()).isTrue();
        first.done(EndStatus.CANCELLED, null);
        assertThat(admit(breakers).refused()).as("the cancelled probe's place is free again").isFalse();

        assertThat(admit(breakers).refused()).as("and taken again").isTrue();
    }

    @Test
    void onlyTheReferencesStatusesAreFailuresAnd529OnlyFromAnthropic() {
        assertThat(CircuitBreakers.outcome(ProviderType.OPENAI, EndStatus.FAILED, 429)).isEqualTo(CircuitBreakers.Outcome.FAILURE);
        assertThat(CircuitBreakers.outcome(ProviderType.OPENAI, EndStatus.FAILED, 503)).isEqualTo(CircuitBreakers.Outcome.FAILURE);
        assertThat(CircuitBreakers.outcome(ProviderType.OPENAI, EndStatus.FAILED, 504)).isEqualTo(CircuitBreakers.Outcome.FAILURE);
        assertThat(CircuitBreakers.outcome(ProviderType.OPENAI, EndStatus.FAILED, 529)).isEqualTo(CircuitBreakers.Outcome.SUCCESS);
        assertThat(CircuitBreakers.outcome(ProviderType.ANTHROPIC, EndStatus.FAILED, 529)).isEqualTo(CircuitBreakers.Outcome.FAILURE);
        assertThat(CircuitBreakers.outcome(ProviderType.ANTHROPIC, EndStatus.FAILED, 500)).isEqualTo(CircuitBreakers.Outcome.SUCCESS);
        assertThat(CircuitBreakers.outcome(ProviderType.ANTHROPIC, EndStatus.FAILED, 400)).isEqualTo(CircuitBreakers.Outcome.SUCCESS);
        assertThat(CircuitBreakers.outcome(ProviderType.ANTHROPIC, EndStatus.FAILED, 200))
                .as("a stream that failed after its 200 was written").isEqualTo(CircuitBreakers.Outcome.SUCCESS);
        assertThat(CircuitBreakers.outcome(ProviderType.ANTHROPIC, EndStatus.CANCELLED, 429)).isEqualTo(CircuitBreakers.Outcome.FAILURE);
        assertThat(CircuitBreakers.outcome(ProviderType.ANTHROPIC, EndStatus.CANCELLED, null)).isEqualTo(CircuitBreakers.Outcome.NEITHER);
    }

    @Test
    void eachProviderEndpointAndModelHasItsOwnBreaker() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 5, 429);
        assertThat(state(breakers)).isEqualTo(State.OPEN);
        assertThat(breakers.admit(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", "claude-haiku-4-5").refused()).isFalse();
        assertThat(breakers.admit(ProviderType.OPENAI, "openai", "/v1/chat/completions", MODEL).refused()).isFalse();
        assertThat(breakers.size()).isEqualTo(3);
    }

    @Test
    void aPermitCountsOnceAndARefusalNotAtAll() {
        CircuitBreakers breakers = breakers();
        Permit permit = admit(breakers);
        for (int i = 0; i < 5; i++) {
            permit.done(EndStatus.FAILED, 429);
        }
        assertThat(state(breakers)).isEqualTo(State.CLOSED);
        answered(breakers, 4, 429);
        assertThat(state(breakers)).isEqualTo(State.OPEN);
        Permit refused = admit(breakers);
        refused.done(EndStatus.COMPLETED, 200);
        now.addAndGet(30 * SECOND);
        assertThat(answered(breakers, 3, 200)).as("the refusal took no probe").isEqualTo(3);
    }

    @Test
    void idleCleanBreakersAreForgottenWithTheirMetricsOthersAreKept() {
        CircuitBreakers breakers = breakers();
        answered(breakers, 1, 200);
        Permit inFlight = breakers.admit(ProviderType.OPENAI, "openai", "/v1/responses", "gpt-5");
        for (int i = 0; i < 5; i++) {
            breakers.admit(ProviderType.OPENAI, "openai", "/v1/chat/completions", "gpt-5").done(EndStatus.FAILED, 429);
        }
        assertThat(breakers.size()).isEqualTo(3);

        now.addAndGet(CircuitBreakers.IDLE_EVICTION.toNanos() - SECOND);
        breakers.sweep();
        assertThat(breakers.size()).as("not idle long enough").isEqualTo(3);
        now.addAndGet(SECOND);
        breakers.sweep();
        assertThat(breakers.size()).as("the open one half-opened and the one in flight stay").isEqualTo(2);
        assertThat(registry.find("aibridge.circuit_breaker.state").tags(TAGS).gauges()).isEmpty();

        inFlight.done(EndStatus.COMPLETED, 200);
        assertThat(admit(breakers).refused()).as("a forgotten breaker comes back closed").isFalse();
        assertThat(gauge()).isZero();
    }

    @Test
    void modelsPastTheMetricLabelLimitShareOneBreakerThatCannotOpenTheOthers() {
        ProxyMetrics metrics = new ProxyMetrics(registry, 2);
        CircuitBreakers breakers = new CircuitBreakers(new Settings(true, 5, Duration.ofSeconds(10), Duration.ofSeconds(30), 3),
                now::get, registry, metrics::modelLabel, null);
        answered(breakers, 1, 200); // MODEL takes the first label value
        breakers.admit(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", "claude-haiku-4-5").done(EndStatus.COMPLETED, 200);
        for (int i = 0; i < 1_000; i++) {
            breakers.admit(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", "made-up-" + i).done(EndStatus.FAILED, 404);
        }
        assertThat(breakers.size()).as("two models of their own and one for all the others").isEqualTo(3);
        assertThat(registry.find("aibridge.circuit_breaker.state").gauges()).extracting(g -> g.getId().getTag("model"))
                .containsExactlyInAnyOrder(MODEL, "claude-haiku-4-5", ProxyMetrics.OTHER);

        for (int i = 0; i < 5; i++) {
            breakers.admit(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", "overloaded-" + i).done(EndStatus.FAILED, 429);
        }
        assertThat(breakers.admit(ProviderType.ANTHROPIC, "anthropic", "/v1/messages", "made-up-x").refused())
                .as("the models past the limit share the open breaker").isTrue();
        assertThat(registry.get("aibridge.circuit_breaker.state").tags("model", ProxyMetrics.OTHER).gauge().value()).isEqualTo(1.0);
        assertThat(state(breakers)).as("a model with a breaker of its own").isEqualTo(State.CLOSED);
        assertThat(admit(breakers).refused()).isFalse();
        assertThat(breakers.admit(ProviderType.OPENAI, "openai", "/v1/chat/completions", "made-up-x").refused())
                .as("other is per provider and endpoint").isFalse();
    }

    @Test
    void badSettingsNameTheirVariable() {
        assertThatThrownBy(() -> new Settings(true, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 3))
                .hasMessageContaining("AIBRIDGE_CIRCUIT_BREAKER_FAILURE_THRESHOLD");
        assertThatThrownBy(() -> new Settings(true, 5, Duration.ofSeconds(-1), Duration.ofSeconds(30), 3))
                .hasMessageContaining("AIBRIDGE_CIRCUIT_BREAKER_INTERVAL");
        assertThatThrownBy(() -> new Settings(true, 5, Duration.ofSeconds(10), Duration.ZERO, 3))
                .hasMessageContaining("AIBRIDGE_CIRCUIT_BREAKER_TIMEOUT");
        assertThatThrownBy(() -> new Settings(true, 5, Duration.ofSeconds(10), Duration.ofSeconds(30), 0))
                .hasMessageContaining("AIBRIDGE_CIRCUIT_BREAKER_MAX_REQUESTS");
    }
}
