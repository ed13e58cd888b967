package io.aibridge.identity;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against a real broker: a topic that exists with the delete policy (pre-created by an operator,
 * or auto-created by some client with the broker's defaults) is made compacted. As it was, an
 * existing topic was taken as it was, and Kafka deleted users and API keys after retention.ms.
 */
class KafkaTopicsTest {

    private static final Map<String, String> COMPACT = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    @Test
    void anExistingIdentityTopicWithTheDeletePolicyIsMadeCompacted() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(); KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            kafka.createTopic(Topics.IDENTITY, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE));
            String both = "both-" + UUID.randomUUID();
            kafka.createTopic(both, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete"));
            String compacted = "compacted-" + UUID.randomUUID();
            kafka.createTopic(compacted, 1, COMPACT);
            assertThat(policy(broker, Topics.IDENTITY)).isEqualTo("delete");

            for (String topic : List.of(Topics.IDENTITY, both, compacted)) {
                assertThat(KafkaTopics.ensure(broker.bootstrapServers(), topic, 1, (short) 1, COMPACT, Duration.ofSeconds(10)))
                        .as(topic).isTrue();
                assertThat(policy(broker, topic)).as(topic).isEqualTo("compact");
            }
        }
    }

    private static String policy(KafkaBroker broker, String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        }
    }
}
