package io.aibridge.system;

import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.TrafficLoop;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault 2: recorder-service is killed with SIGKILL (nothing flushed, no offsets committed on the way
 * out), a backlog builds up, it is restarted (with one-event batches) and killed again while it
 * works through that backlog (checked: part of the backlog is visible, not all of it), then
 * restarted for good. Kafka redelivers what was not committed; the recorder's idempotent writes
 * make every request exactly one interception.
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
        traffic.awaitMore(40, Duration.ofSeconds(180)); // a backlog of events for the next incarnation
        long visibleBefore = stack.api().count(user.username());
        // every request answered so far: their events wait in Kafka, so the backlog's end is at least here
        int answeredBefore = traffic.ledger().size();
        // one event per transaction and offset commit for this incarnation only: the backlog takes hundreds of
        // batches, so the kill below lands among them and not after the last (the stack's 100 could hold most of it)
        stack.recorder().start(Map.of("AIBRIDGE_RECORDER_BATCH_SIZE", "1"));
        Await.until("the restarted recorder writes part of the backlog", Duration.ofSeconds(180),
                () -> stack.api().count(user.username()) > visibleBefore);
        stack.recorder().process().kill();
        // read after the kill: a dead recorder stores nothing more, so this is what the kill left
        long visibleAtKill = stack.api().count(user.username());
        SystemStack.log("recorder-kill: killed again mid-backlog (%d visible; %d before the restart, %d requests answered before it)",
                visibleAtKill, visibleBefore, answeredBefore);
        assertThat(visibleAtKill)
                .as("interceptions visible once the restarted recorder was killed: more than before its restart (it had "
                        + "stored part of the backlog), fewer than the requests answered before its restart (it had not "
                        + "stored all of it)")
                .isGreaterThan(visibleBefore).isLessThan(answeredBefore);
        traffic.awaitMore(6, Duration.ofSeconds(60));
        stack.recorder().start().awaitReady(Duration.ofSeconds(180));

        traffic.awaitMore(6, Duration.ofSeconds(60));
        Faults.finish(stack, traffic, "recorder-kill", user);
    }
}
