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
 * Fault 3: PostgreSQL is stopped for 30 s (open connections cut) and started again on the same port
 * and data. The proxy never notices; the recorder retries its batch without committing offsets;
 * when the database is back every request is exactly one interception.
 */
@Order(5)
@ExtendWith(StackExtension.class)
class PostgresOutageSystemTest {

    @Test
    void aPostgresOutageDelaysRecordingButLosesNothing(SystemStack stack) {
        Duration outage = Faults.seconds("aibridge.system.postgres-outage", 30);
        QueryApi.User user = Faults.user(stack, "postgres-outage");
        TrafficLoop traffic = Faults.traffic(stack, user);
        traffic.awaitMore(6, Duration.ofSeconds(60));

        stack.database().stop();
        SystemStack.log("postgres-outage: PostgreSQL stopped for %s with traffic flowing", outage);
        int answeredAtStop = traffic.ledger().size();
        Faults.holdFor(outage, traffic, 6);
        int answeredDuringOutage = traffic.ledger().size() - answeredAtStop;
        stack.database().restart();
        SystemStack.log("postgres-outage: PostgreSQL back; %d requests answered while it was down", answeredDuringOutage);
        assertThat(answeredDuringOutage).as("the proxy kept serving while PostgreSQL was down").isGreaterThanOrEqualTo(6);

        traffic.awaitMore(6, Duration.ofSeconds(120));
        Faults.finish(stack, traffic, "postgres-outage", user);
    }
}
