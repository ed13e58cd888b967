package io.aibridge.recorder.health;

import io.aibridge.recorder.consumer.BatchConsumer;
import io.aibridge.recorder.consumer.RecorderConsumers;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.util.List;

/**
 * Consumer health. Live while no consumer thread has died (a dead one needs a restart); ready while
 * every consumer runs. Whether PostgreSQL is reachable is the datasource's own readiness check.
 * A paused consumer (PostgreSQL away) stays live and running: it resumes by itself. A consumer that
 * gave up for good (a setting Kafka refuses) is neither, with the reason in the check's data.
 */
public final class RecorderHealthCheck {

    private RecorderHealthCheck() {
    }

    static HealthCheckResponse check(String name, RecorderConsumers consumers, boolean readiness) {
        List<BatchConsumer<?>> all = consumers.consumers();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(name);
        boolean up = !all.isEmpty();
        for (BatchConsumer<?> consumer : all) {
            boolean ok = readiness ? consumer.running() : consumer.alive();
            up &= ok;
            String down = consumer.failure() != null ? "failed: " + consumer.failure() : "stopped";
            response.withData(consumer.name(), ok ? (consumer.paused() ? "paused" : "running") : down);
        }
        return response.status(up).build();
    }

    /** Liveness: no consumer thread has died. */
    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        private final RecorderConsumers consumers;

        public Live(RecorderConsumers consumers) {
            this.consumers = consumers;
        }

        @Override
        public HealthCheckResponse call() {
            return check("recorder consumers alive", consumers, false);
        }
    }

    /** Readiness: every consumer is running. */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final RecorderConsumers consumers;

        public Ready(RecorderConsumers consumers) {
            this.consumers = consumers;
        }

        @Override
        public HealthCheckResponse call() {
            return check("recorder consumers running", consumers, true);
        }
    }
}
