package io.aibridge.query.identity;

import io.aibridge.events.Topics;
import io.aibridge.identity.KafkaConnection;
import io.aibridge.identity.KafkaTopics;
import io.aibridge.query.QueryConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.config.TopicConfig;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes sure {@code aibridge.identity.v1} exists and is compacted before anything is written to it
 * (the readers never auto-create it, so it never gets the broker's default delete policy).
 */
@ApplicationScoped
public class IdentityTopic {

    private final QueryConfig config;
    private final KafkaConnection kafka;
    private final AtomicBoolean ensured = new AtomicBoolean();

    /** @param kafkaConfig every {@code kafka.*} setting ({@code KAFKA_*}): the connection's security settings are among them */
    public IdentityTopic(QueryConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.config = config;
        this.kafka = KafkaConnection.of(kafkaConfig);
    }

    /** How every Kafka client of this service reaches the cluster (bootstrap servers and security). */
    public KafkaConnection kafka() {
        return kafka;
    }

    /** True once the topic is known to exist; tries to create it when that is not known yet. */
    public boolean ensure(Duration timeout) {
        if (ensured.get()) {
            return true;
        }
        try {
            boolean ok = KafkaTopics.ensure(kafka, Topics.IDENTITY,
                    config.identity().topicPartitions(), config.identity().topicReplicationFactor(),
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), timeout);
            if (ok) {
                ensured.set(true);
            }
            return ok;
        } catch (RuntimeException e) {
            // e.g. a bootstrap host name that does not resolve yet: the caller retries
            return false;
        }
    }

    public boolean ensured() {
        return ensured.get();
    }
}
