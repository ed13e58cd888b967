package io.aibridge.query.identity;

import io.aibridge.events.Topics;
import io.aibridge.identity.KafkaTopics;
import io.aibridge.query.QueryConfig;
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
    private final AtomicBoolean ensured = new AtomicBoolean();

    public IdentityTopic(QueryConfig config) {
        this.config = config;
    }

    /** True once the topic is known to exist; tries to create it when that is not known yet. */
    public boolean ensure(Duration timeout) {
        if (ensured.get()) {
            return true;
        }
        try {
            boolean ok = KafkaTopics.ensure(config.kafkaBootstrapServers(), Topics.IDENTITY,
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
