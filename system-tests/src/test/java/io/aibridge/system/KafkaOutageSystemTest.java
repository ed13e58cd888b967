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
 * Fault 1: the Kafka broker is stopped for 60 s while agents keep working. The proxy keeps serving,
 * spools what Kafka does not take, replays it when the broker is back, and every request becomes
 * exactly one interception.
 */
@Order(3)
@ExtendWith(StackExtension.class)
class KafkaOutageSystemTest {

    @Test
    void eventsOfAKafkaOutageAreSpooledThenReplayedAndNoneIsLost(SystemStack stack) {
        Duration outage = Faults.seconds("aibridge.system.kafka-outage", 60);
        QueryApi.User user = Faults.user(stack, "kafka-outage");
        double spooledBefore = stack.proxy().metric("aibridge_events_spooled_total");
        double replayedBefore = stack.proxy().metric("aibridge_events_replayed_total");
        TrafficLoop traffic = Faults.traffic(stack, user);
        traffic.awaitMore(8, Duration.ofSeconds(60));

        stack.kafka().stop();
        SystemStack.log("kafka-outage: broker stopped for %s with traffic flowing", outage);
        int answeredAtStop = traffic.ledger().size();
        Faults.holdFor(outage, traffic, 10);
        Await.until("the proxy spooled events while Kafka was down", Duration.ofSeconds(60),
                () -> stack.proxy().metric("aibridge_events_spooled_total") > spooledBefore);
        int answeredDuringOutage = traffic.ledger().size() - answeredAtStop;
        stack.kafka().start();
        SystemStack.log("kafka-outage: broker back; %d requests answered while it was down", answeredDuringOutage);
        traffic.awaitMore(8, Duration.ofSeconds(120));

        Faults.finish(stack, traffic, "kafka-outage", user);
        Faults.awaitSpoolDrained(stack);
        assertThat(answeredDuringOutage).as("the proxy kept serving while Kafka was down").isGreaterThanOrEqualTo(10);
        double spooled = stack.proxy().metric("aibridge_events_spooled_total") - spooledBefore;
        double replayed = stack.proxy().metric("aibridge_events_replayed_total") - replayedBefore;
        assertThat(replayed).as("every spooled event was replayed").isEqualTo(spooled);
        SystemStack.log("kafka-outage: %.0f events spooled, %.0f replayed, 0 dropped", spooled, replayed);
    }
}
