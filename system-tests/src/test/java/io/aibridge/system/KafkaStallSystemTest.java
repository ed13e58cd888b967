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
 * Fault 1b: Kafka is slow rather than gone: the broker process is frozen with SIGSTOP for 20 s
 * (connections stay open, nothing is answered: the producer sees timeouts, not refusals), then
 * thawed with SIGCONT. Events that wait longer than the proxy's {@code AIBRIDGE_SPOOL_AFTER} (5 s)
 * go to the spool and are replayed; every request is exactly one interception.
 */
@Order(2)
@ExtendWith(StackExtension.class)
class KafkaStallSystemTest {

    @Test
    void eventsOfAStalledKafkaAreSpooledThenReplayedAndNoneIsLost(SystemStack stack) {
        Duration stall = Faults.seconds("aibridge.system.kafka-stall", 20);
        QueryApi.User user = Faults.user(stack, "kafka-stall");
        double spooledBefore = stack.proxy().metric("aibridge_events_spooled_total");
        TrafficLoop traffic = Faults.traffic(stack, user);
        traffic.awaitMore(6, Duration.ofSeconds(60));

        stack.kafka().process().signal("STOP");
        SystemStack.log("kafka-stall: broker frozen (SIGSTOP) for %s with traffic flowing", stall);
        int answeredAtStall = traffic.ledger().size();
        try {
            Faults.holdFor(stall, traffic, 6);
            Await.until("the proxy spooled events while Kafka was frozen", Duration.ofSeconds(60),
                    () -> stack.proxy().metric("aibridge_events_spooled_total") > spooledBefore);
        } finally {
            stack.kafka().process().signal("CONT");
        }
        int answeredDuringStall = traffic.ledger().size() - answeredAtStall;
        SystemStack.log("kafka-stall: broker thawed; %d requests answered while it was frozen", answeredDuringStall);
        traffic.awaitMore(6, Duration.ofSeconds(120));

        Faults.finish(stack, traffic, "kafka-stall", user);
        Faults.awaitSpoolDrained(stack);
        assertThat(answeredDuringStall).as("the proxy kept serving while Kafka was frozen").isGreaterThanOrEqualTo(6);
    }
}
