package io.aibridge.identity;

import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The connection settings a service's Kafka clients share, taken from its {@code kafka.*}
 * configuration, and proven against a broker that only talks SASL: without them nothing connects.
 */
class KafkaConnectionTest {

    @Test
    void takesWhereTheClusterIsAndHowToSecureTheConnectionAndNothingElse() {
        Map<String, Object> kafkaConfig = new HashMap<>();
        kafkaConfig.put("bootstrap.servers", "kafka-0:9093,kafka-1:9093");
        kafkaConfig.put("security.protocol", "SASL_SSL");
        kafkaConfig.put("sasl.mechanism", "SCRAM-SHA-512");
        kafkaConfig.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"p4ss\";");
        kafkaConfig.put("ssl.truststore.type", "PEM");
        kafkaConfig.put("ssl.truststore.location", "/etc/kafka-ca/ca.crt");
        kafkaConfig.put("ssl.keystore.password", "k3y");
        kafkaConfig.put("client.dns.lookup", "use_all_dns_ips");
        // Quarkus puts these in the map too: each client keeps its own
        kafkaConfig.put("group.id", "query-service");
        kafkaConfig.put("acks", "1");
        kafkaConfig.put("linger.ms", "100");

        KafkaConnection connection = KafkaConnection.of(kafkaConfig);

        assertThat(connection.settings()).containsOnlyKeys("bootstrap.servers", "security.protocol", "sasl.mechanism", "sasl.jaas.config",
                "ssl.truststore.type", "ssl.truststore.location", "ssl.keystore.password", "client.dns.lookup");
        assertThat(connection.bootstrapServers()).isEqualTo("kafka-0:9093,kafka-1:9093");
        assertThat(connection.toString()).contains("SASL_SSL", "/etc/kafka-ca/ca.crt").doesNotContain("p4ss", "k3y");
        assertThatThrownBy(() -> KafkaConnection.of(Map.of("security.protocol", "SSL")))
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void aValueKafkaRefusesStopsTheStartNamingItsVariable() {
        assertThatThrownBy(() -> KafkaConnection.of(Map.of("bootstrap.servers", "kafka:9092", "security.protocol", "SASL_TLS")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("KAFKA_SECURITY_PROTOCOL: Kafka refuses the value: ")
                .hasMessageContaining("SASL_TLS");
        assertThatThrownBy(() -> KafkaConnection.of(Map.of("bootstrap.servers", "kafka:9092", "client.dns.lookup", "sometimes")))
                .hasMessageStartingWith("KAFKA_CLIENT_DNS_LOOKUP: ");
        assertThat(KafkaConnection.of(Map.of("bootstrap.servers", "kafka:9092", "security.protocol", "sasl_ssl",
                "sasl.mechanism", "SCRAM-SHA-512")).settings()).containsEntry("security.protocol", "sasl_ssl");
    }

    @Test
    void theTopicIsCreatedAndReadOverSaslAndNotWithoutIt() throws Exception {
        UUID ann = UUID.randomUUID();
        try (KafkaBroker broker = KafkaBroker.startWithSaslPlain();
             KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers(), broker.clientSecurity())) {
            Map<String, Object> config = new HashMap<>(broker.clientSecurity());
            config.put("bootstrap.servers", broker.bootstrapServers());
            KafkaConnection secured = KafkaConnection.of(config);

            assertThat(KafkaTopics.ensure(KafkaConnection.plain(broker.bootstrapServers()), Topics.IDENTITY, 1, (short) 1,
                    Map.of("cleanup.policy", "compact"), Duration.ofSeconds(3))).as("a plain client gets nowhere").isFalse();
            assertThat(KafkaTopics.ensure(secured, Topics.IDENTITY, 1, (short) 1,
                    Map.of("cleanup.policy", "compact"), Duration.ofSeconds(10))).isTrue();
            Instant now = Instant.now();
            kafka.publish(new UserUpserted(EventCodec.newEventId(), ann, "ann", "Ann", null, "", Role.MEMBER, UserStatus.ACTIVE, now, now));

            IdentityStore store = new IdentityStore(null);
            try (IdentityTopicReader reader = new IdentityTopicReader(secured, store).start()) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(store.user(ann)).isPresent();
            }
        }
    }
}
