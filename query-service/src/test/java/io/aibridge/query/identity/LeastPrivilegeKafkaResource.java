package io.aibridge.query.identity;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.TopicConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: a SASL broker that authorizes by ACLs ({@link KafkaBroker#startWithAcls()}),
 * where an operator (the super user) has made the compacted identity topic and granted the service's
 * principal READ, WRITE and DESCRIBE on it, and nothing else: no CREATE, no DESCRIBE_CONFIGS.
 */
public class LeastPrivilegeKafkaResource implements QuarkusTestResourceLifecycleManager {

    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = KafkaBroker.startWithAcls();
        try (KafkaEvents operator = new KafkaEvents(broker.bootstrapServers(), broker.clientSecurity())) {
            operator.createTopic(Topics.IDENTITY, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        broker.grantTopic(Topics.IDENTITY, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        broker.restrictedClientSecurity().forEach((key, value) -> config.put("kafka." + key, value));
        return config;
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
