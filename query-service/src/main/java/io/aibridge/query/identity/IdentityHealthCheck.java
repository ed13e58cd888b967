package io.aibridge.query.identity;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} is DOWN until the service has read the identity topic to its end: before
 * that it would refuse valid keys and check admin writes against some of the users only, so a
 * restarted or new replica must get no traffic (requests that reach it anyway get 503, see
 * {@link io.aibridge.query.access.AuthenticationFilter}). Once caught up it stays UP, also while
 * Kafka is away: reads keep being served and known keys keep authenticating; only admin writes need
 * Kafka. A topic that does not exist yet holds nothing to wait for.
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
                .status(identity.ready())
                .build();
    }
}
