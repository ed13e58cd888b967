package io.aibridge.identity;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the topics a service writes to, when they do not exist yet. */
public final class KafkaTopics {

    private KafkaTopics() {
    }

    /**
     * Creates the topic unless it exists. Returns false (and leaves it to the caller to retry or
     * to rely on broker auto-creation) when the broker cannot be reached in time.
     */
    public static boolean ensure(String bootstrapServers, String topic, int partitions, short replicationFactor,
                                 Map<String, String> configs, Duration timeout) {
        return ensure(KafkaConnection.plain(bootstrapServers), topic, partitions, replicationFactor, configs, timeout);
    }

    /** As {@link #ensure(String, String, int, short, Map, Duration)}, over a secured connection. */
    public static boolean ensure(KafkaConnection kafka, String topic, int partitions, short replicationFactor,
                                 Map<String, String> configs, Duration timeout) {
        Properties p = kafka.applyTo(new Properties());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor).configs(configs)))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            return e.getCause() instanceof TopicExistsException;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
