package io.aibridge.system;

import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Expected;
import io.aibridge.system.traffic.TrafficLoop;
import io.aibridge.system.traffic.Verify;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What every fault test does around its fault: a fresh user, steady traffic, and the exact count check at the end. */
final class Faults {

    /** How long the system gets to record everything once the fault is over (generous: 2 shared cores). */
    static final Duration SETTLE = Duration.ofSeconds(180);

    private Faults() {
    }

    static QueryApi.User user(SystemStack stack, String username) {
        QueryApi.User user = stack.api().createUser(username);
        Users.awaitAcceptedByProxy(stack, user);
        return user;
    }

    /** Two client threads cycling through every request kind, a short pause between requests. */
    static TrafficLoop traffic(SystemStack stack, QueryApi.User user) {
        return new TrafficLoop(stack, user.token(), 2, Duration.ofMillis(300));
    }

    /** Stops the traffic, checks that no client saw an unplanned failure, then the exact count check. */
    static List<Expected> finish(SystemStack stack, TrafficLoop traffic, String scenario, QueryApi.User user) {
        traffic.close();
        assertThat(traffic.ledger().unexpectedFailures()).as("%s: client failures nobody planned", scenario).isEmpty();
        stack.totals().refused(traffic.ledger().refusedCount());
        List<Expected> expected = traffic.ledger().expected();
        Verify.exactly(stack, scenario, user.username(), expected, SETTLE);
        assertNothingDropped(stack, scenario);
        return expected;
    }

    static void assertNothingDropped(SystemStack stack, String scenario) {
        assertThat(stack.proxy().metric("aibridge_events_dropped_total")).as("%s: events the proxy dropped", scenario).isZero();
        assertThat(stack.totals().dropped()).as("%s: events dropped by proxy processes stopped earlier", scenario).isZero();
    }

    /** Waits until the proxy's spool is empty again (everything it held was replayed). */
    static void awaitSpoolDrained(SystemStack stack) {
        Await.until("the proxy's spool is empty", SETTLE, () -> stack.proxy().metric("aibridge_spool_events") == 0,
                () -> "aibridge_spool_events=" + Await.metric(stack.proxy(), "aibridge_spool_events"));
    }

    /** Keeps a fault going for {@code duration} while traffic flows, proving progress by requests answered meanwhile. */
    static void holdFor(Duration duration, TrafficLoop traffic, int requestsMeanwhile) {
        long end = System.nanoTime() + duration.toNanos();
        traffic.awaitMore(requestsMeanwhile, duration.plusSeconds(60));
        long left = end - System.nanoTime();
        if (left > 0) {
            Users.sleep(left / 1_000_000); // the length of the fault itself, not a proof of anything
        }
    }

    /** A length from a system property ({@code -Daibridge.system.kafka-outage=60}), in seconds. */
    static Duration seconds(String property, long defaultSeconds) {
        return Duration.ofSeconds(Long.getLong(property, defaultSeconds));
    }
}
