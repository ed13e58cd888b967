package io.aibridge.proxy.auth;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} is DOWN until the proxy has read the identity topic to its end: before
 * that it would answer 401 to every valid key, so a restarted or new replica must get no traffic.
 * Once caught up it stays UP, also while Kafka is away (known keys keep authenticating). A topic
 * that does not exist yet holds no key, so there is nothing to wait for.
 */
@Readiness
@ApplicationScoped
public class IdentityHealthCheck implements HealthCheck {

    private final IdentityService identity;

    public IdentityHealthCheck(IdentityService identity) {
        this.identity = identity;
    }

    @Override
    public HealthCheckResponse call() {
        boolean caughtUp = identity.caughtUp();
        boolean topicMissing = identity.topicMissing();
        return HealthCheckResponse.named("identity")
                .withData("caught_up", caughtUp)
                .withData("topic_missing", topicMissing)
                .withData("from_snapshot", identity.servingSnapshot())
                .status(identity.ready())
                .build();
    }
}
