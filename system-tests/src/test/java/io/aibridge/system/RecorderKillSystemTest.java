package io.aibridge.system;

import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.TrafficLoop;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

/**
 * Fault 2: recorder-service is killed with SIGKILL (nothing flushed, no offsets committed on the way
 * out), a backlog builds up, it is restarted and killed again while it works through that backlog
 * in batches, then restarted for good. Kafka redelivers what was not committed; the recorder's
 * idempotent writes make every request exactly one interception.
 */
@Order(4)
@ExtendWith(StackExtension.class)
class RecorderKillSystemTest {

    @Test
    void aRecorderKilledTwiceMidBacklogLosesAndDuplicatesNothing(SystemStack stack) {
        QueryApi.User user = Faults.user(stack, "recorder-kill");
        TrafficLoop traffic = Faults.traffic(stack, user);
        traffic.awaitMore(6, Duration.ofSeconds(60));

        stack.recorder().process().kill();
        SystemStack.log("recorder-kill: recorder killed (SIGKILL) with traffic flowing");
        traffic.awaitMore(20, Duration.ofSeconds(120)); // a backlog of events for the next incarnation
        long visibleBefore = stack.api().count(user.username());
        stack.recorder().start();
        // killed again as soon as it has written part of the backlog: in the middle of its batches
        Await.until("the restarted recorder writes part of the backlog", Duration.ofSeconds(180),
                () -> stack.api().count(user.username()) > visibleBefore);
        stack.recorder().process().kill();
        SystemStack.log("recorder-kill: killed again mid-backlog (%d of at least %d interceptions visible)",
                stack.api().count(user.username()), traffic.ledger().size());
        traffic.awaitMore(6, Duration.ofSeconds(60));
        stack.recorder().start().awaitReady(Duration.ofSeconds(180));

        traffic.awaitMore(6, Duration.ofSeconds(60));
        Faults.finish(stack, traffic, "recorder-kill", user);
    }
}
