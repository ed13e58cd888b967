package io.aibridge.query.identity;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the identity topic's state on {@code /q/health/ready}. It stays UP while Kafka is away:
 * reads keep being served and known keys keep authenticating; only admin writes need Kafka.
 */
@Readiness
@ApplicationScoped
public class IdentityHealthCheck implements HealthCheck {

    private final IdentityLifecycle identity;

    public IdentityHealthCheck(IdentityLifecycle identity) {
        this.identity = identity;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("identity")
                .withData("topic_ready", identity.topicReady())
                .withData("caught_up", identity.caughtUp())
                .withData("bootstrap_done", identity.bootstrapDone())
                .up()
                .build();
    }
}
