package io.aibridge.testing;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.server.policy.AlterConfigPolicy;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A broker's {@code alter.config.policy.class.name} that refuses every change of an existing
 * topic's settings, as a cluster whose operators keep topic settings to themselves does: for tests
 * of what a service does when Kafka refuses to alter a topic it needs changed. Started by
 * {@link KafkaBroker#startRefusingTopicConfigChanges()}.
 *
 * <p>A KRaft controller asks the policy about the settings a topic is created with too, as the
 * first request about that topic; so the first request about each topic (its creation) is let
 * through, and every later one refused. One instance per controller, and the test broker has one.
 */
public final class RefuseTopicConfigChanges implements AlterConfigPolicy {

    /** The start of the refusal's message, as the client sees it. */
    public static final String MESSAGE = "topic settings are changed by the operators only";

    private final Set<String> created = ConcurrentHashMap.newKeySet();

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public void validate(RequestMetadata request) throws PolicyViolationException {
        if (request.resource().type() == ConfigResource.Type.TOPIC && !created.add(request.resource().name())) {
            throw new PolicyViolationException(MESSAGE + " (asked for " + request.configs() + " on " + request.resource().name() + ")");
        }
    }

    @Override
    public void close() {
    }
}
