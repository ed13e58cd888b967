package io.aibridge.recorder;

import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaEvents;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import static org.awaitility.Awaitility.await;

/** Kafka for the recorder's tests: the topics as production has them, and "has the group consumed everything". */
public final class RecorderKafka implements AutoCloseable {

    /** Partitions of the interceptions topic in tests: more than one, so events of different interceptions interleave. */
    public static final int INTERCEPTION_PARTITIONS = 3;

    /** The proxy's default record size limit on the interceptions topic. */
    public static final int INTERCEPTIONS_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final String bootstrapServers;
    private final KafkaEvents events;
    private final Admin admin;

    public RecorderKafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.events = new KafkaEvents(bootstrapServers);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(p);
        // as the proxy creates it (AIBRIDGE_EVENTS_MAX_REQUEST_SIZE): prompts can exceed a megabyte
        events.createTopic(Topics.INTERCEPTIONS, INTERCEPTION_PARTITIONS,
                Map.of("max.message.bytes", Integer.toString(INTERCEPTIONS_MAX_MESSAGE_BYTES)));
        events.createTopic(Topics.IDENTITY, 1, Map.of("cleanup.policy", "compact"));
    }

    public KafkaEvents events() {
        return events;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Waits until the consumer group has committed the end of every partition of the topic. */
    public void awaitConsumed(String group, String topic) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> consumed(group, topic));
    }

    private boolean consumed(String group, String topic) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            long endOffset = end.getValue().offset();
            if (endOffset > 0 && (done == null || done.offset() < endOffset)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        admin.close();
        events.close();
    }
}
