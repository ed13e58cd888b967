package io.aibridge.system;

import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.TrafficLoop;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault 4: Kafka goes down, the proxy spools, then the proxy is stopped gracefully (SIGTERM) with
 * its spool still full and traffic still coming. Kafka comes back, a new proxy process starts on
 * the same spool directory and publishes what the old one kept. Requests that found no proxy
 * listening are counted apart (they never became interceptions); every answered one is exactly one
 * interception.
 */
@Order(6)
@ExtendWith(StackExtension.class)
class ProxyRestartSystemTest {

    @Test
    void aProxyStoppedWithAFullSpoolPublishesItAfterItsNextStart(SystemStack stack) {
        QueryApi.User user = Faults.user(stack, "proxy-restart");
        TrafficLoop traffic = Faults.traffic(stack, user);
        traffic.awaitMore(6, Duration.ofSeconds(60));

        stack.kafka().stop();
        Await.until("the proxy has events in its spool", Duration.ofSeconds(120),
                () -> stack.proxy().metric("aibridge_spool_events") > 0);
        traffic.awaitMore(4, Duration.ofSeconds(60));
        traffic.proxyRestarting(true);
        long kept = stack.stopProxy();
        SystemStack.log("proxy-restart: proxy stopped gracefully with Kafka down, %d events kept in its spool", kept);
        assertThat(kept).as("events the stopped proxy kept on disk for its next start").isPositive();

        stack.kafka().start();
        stack.startProxy();
        traffic.proxyRestarting(false);
        SystemStack.log("proxy-restart: Kafka back, proxy started again");
        traffic.awaitMore(6, Duration.ofSeconds(120));

        Faults.finish(stack, traffic, "proxy-restart", user);
        Faults.awaitSpoolDrained(stack);
        Await.until("the new proxy process counts the " + kept + " events it replayed", Duration.ofSeconds(30),
                () -> stack.proxy().metric("aibridge_events_replayed_total") >= kept,
                () -> "aibridge_events_replayed_total=" + Await.metric(stack.proxy(), "aibridge_events_replayed_total"));
    }
}
