package io.aibridge.identity;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.LogLines;
import io.aibridge.testing.RefuseTopicConfigChanges;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against a real broker: a topic that exists with the delete policy (pre-created by an operator,
 * or auto-created by some client with the broker's defaults) is made compacted. As it was, an
 * existing topic was taken as it was, and Kafka deleted users and API keys after retention.ms.
 * And on a broker that refuses the change, the topic is not taken as ready.
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

    /**
     * A broker whose policy refuses the change: the topic is reported not ready (false), so nothing
     * is written to a topic that would delete users and API keys, and an ERROR names the topic, its
     * policy, Kafka's reason and the command that fixes it, once a minute however often callers retry.
     */
    @Test
    void anExistingTopicWhosePolicyKafkaRefusesToChangeIsNotReadyAndTheErrorNamesTheFix() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startRefusingTopicConfigChanges();
             KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers());
             LogLines log = LogLines.of(KafkaTopics.class)) {
            String topic = "identity-refused-" + UUID.randomUUID();
            kafka.createTopic(topic, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE));

            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), topic, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isFalse();
            assertThat(policy(broker, topic)).isEqualTo("delete");
            List<String> refusals = log.lines().stream().filter(line -> line.contains("Kafka refused")).toList();
            assertThat(refusals).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("topic " + topic + " has cleanup.policy=delete and Kafka refused to change it to compact (")
                    .contains(RefuseTopicConfigChanges.MESSAGE)
                    .contains("nothing is written to it")
                    .endsWith("Fix it with: kafka-configs.sh --bootstrap-server " + broker.bootstrapServers()
                            + " --alter --entity-type topics --entity-name " + topic + " --add-config cleanup.policy=compact"));

            assertThat(log.lines()).filteredOn(line -> line.contains(topic)).hasSize(2); // the attempt's WARN, and the ERROR

            // callers retry every few seconds: still not ready, and neither line is logged again within the minute
            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), topic, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isFalse();
            assertThat(log.lines()).filteredOn(line -> line.contains(topic)).hasSize(2);

            // what needs no change is ready on the same broker: a new topic, and one that is compacted already
            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), "identity-new-" + UUID.randomUUID(), 1, (short) 1, COMPACT,
                    Duration.ofSeconds(10))).isTrue();
            String compacted = "identity-compacted-" + UUID.randomUUID();
            kafka.createTopic(compacted, 1, COMPACT);
            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), compacted, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isTrue();
        }
    }

    /**
     * A least-privilege principal (READ, WRITE and DESCRIBE on the topic, no CREATE) and a compacted
     * topic an operator made: Kafka refuses the creation with TOPIC_AUTHORIZATION_FAILED, whether the
     * topic exists or not. As it was, any refusal but "exists" meant not ready, for ever: every
     * admin change answered 503 and the bootstrap admin was never published.
     */
    @Test
    void aPreCreatedTopicThePrincipalMayNotCreateIsReady() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startWithAcls();
             KafkaEvents operator = new KafkaEvents(broker.bootstrapServers(), broker.clientSecurity());
             LogLines log = LogLines.of(KafkaTopics.class)) {
            String topic = "identity-operator-made-" + UUID.randomUUID();
            operator.createTopic(topic, 1, COMPACT);
            broker.grantTopic(topic, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
            KafkaConnection restricted = restricted(broker);

            assertThat(KafkaTopics.ensure(restricted, topic, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isTrue();
            assertThat(log.lines()).filteredOn(line -> line.startsWith("Kafka refused to create topic " + topic))
                    .singleElement().satisfies(line -> assertThat(line).contains("lacks the CREATE permission")
                            .endsWith("The topic exists, so it is used as it was created"));
            // nor may it read the topic's configs: the policy is the operator's, and the WARN says how to check it
            assertThat(log.lines()).filteredOn(line -> line.startsWith("could not check the cleanup.policy of topic " + topic))
                    .singleElement().satisfies(line -> assertThat(line).contains("DESCRIBE_CONFIGS")
                            .endsWith("check it with: kafka-configs.sh --bootstrap-server " + broker.bootstrapServers()
                                    + " --describe --entity-type topics --entity-name " + topic));

            // asked again (another replica, a restart): ready, and the refused creation is not logged again
            assertThat(KafkaTopics.ensure(restricted, topic, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isTrue();
            assertThat(log.lines()).filteredOn(line -> line.startsWith("Kafka refused to create topic " + topic)).hasSize(1);

            // with DESCRIBE_CONFIGS the policy is checked as for any existing topic: compacted, so ready
            String described = "identity-described-" + UUID.randomUUID();
            operator.createTopic(described, 1, COMPACT);
            broker.grantTopic(described, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            assertThat(KafkaTopics.ensure(restricted, described, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isTrue();
            assertThat(log.lines()).noneMatch(line -> line.startsWith("could not check the cleanup.policy of topic " + described));

            // and a delete topic it may not alter stays not ready, as on a broker that refuses the change
            String deleting = "identity-deleting-" + UUID.randomUUID();
            operator.createTopic(deleting, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE));
            broker.grantTopic(deleting, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            assertThat(KafkaTopics.ensure(restricted, deleting, 1, (short) 1, COMPACT, Duration.ofSeconds(10))).isFalse();
            assertThat(log.lines()).anyMatch(line -> line.startsWith("topic " + deleting + " has cleanup.policy=delete and Kafka refused"));
        }
    }

    /**
     * The same principal and no topic: not ready, and rather than a DEBUG line an ERROR says that an
     * operator must create it, with the command and the settings the topic needs.
     */
    @Test
    void aMissingTopicThePrincipalMayNotCreateIsNotReadyAndTheErrorSaysAnOperatorMustCreateIt() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startWithAcls(); LogLines log = LogLines.of(KafkaTopics.class)) {
            String topic = "identity-missing-" + UUID.randomUUID();
            broker.grantTopic(topic, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);

            assertThat(KafkaTopics.ensure(restricted(broker), topic, 3, (short) 2, COMPACT, Duration.ofSeconds(10))).isFalse();
            assertThat(log.lines()).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("the service's principal may not create topic " + topic + " (")
                    .contains("), and it does not exist; nothing is written to it")
                    .contains("An operator must create it, e.g. kafka-topics.sh --bootstrap-server " + broker.bootstrapServers()
                            + " --create --topic " + topic + " --partitions 3 --replication-factor 2 --config cleanup.policy=compact,")
                    .endsWith("and grant the principal READ, WRITE and DESCRIBE on it"));

            // callers retry every few seconds: the ERROR is not repeated within the minute
            assertThat(KafkaTopics.ensure(restricted(broker), topic, 3, (short) 2, COMPACT, Duration.ofSeconds(10))).isFalse();
            assertThat(log.lines()).hasSize(1);
        }
    }

    private static KafkaConnection restricted(KafkaBroker broker) {
        Map<String, Object> settings = new HashMap<>(broker.restrictedClientSecurity());
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return new KafkaConnection(settings);
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
