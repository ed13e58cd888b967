package io.aibridge.recorder.consumer;

import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.LogLines;
import io.aibridge.testing.RefuseTopicConfigChanges;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dead-letter topic made with a smaller record limit than its source (by an earlier version, or
 * an operator) on a broker that refuses to raise it: a WARN says so, a letter over the topic's
 * limit goes without its value (saying so in its headers) rather than blocking the consumer, and
 * smaller letters go whole.
 */
class DeadLetterTopicRefusedTest {

    @Test
    void aLimitKafkaRefusesToRaiseIsLoggedAndALargerLetterGoesWithoutItsValue() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startRefusingTopicConfigChanges();
             KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers());
             LogLines log = LogLines.of(DeadLetters.class)) {
            kafka.createTopic("source", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024)));
            kafka.createTopic("source.dlq", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(1024 * 1024)));
            byte[] large = randomBase64(2 * 1024 * 1024).getBytes(StandardCharsets.UTF_8);
            byte[] small = "{\"type\":\"small\"}".getBytes(StandardCharsets.UTF_8);

            try (DeadLetters letters = new DeadLetters(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), "dlq-test")) {
                letters.publish("source.dlq", List.of(
                        new DeadLetter(new ConsumerRecord<>("source", 0, 7L, "large", large), "unknown ce_type", DeadLetter.INVALID_EVENT)));
                letters.publish("source.dlq", List.of(
                        new DeadLetter(new ConsumerRecord<>("source", 0, 8L, "small", small), "unknown ce_type", DeadLetter.INVALID_EVENT)));
            }

            int wanted = 4 * 1024 * 1024 + DeadLetters.HEADROOM;
            assertThat(log.lines()).filteredOn(line -> line.startsWith("cannot raise")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("cannot raise max.message.bytes of source.dlq to " + wanted + " (")
                    .contains(RefuseTopicConfigChanges.MESSAGE)
                    .endsWith("; larger dead letters go without their value"));
            assertThat(maxMessageBytes(broker, "source.dlq")).isEqualTo(1024 * 1024);

            List<ConsumerRecord<String, byte[]>> dead = kafka.records("source.dlq");
            assertThat(dead).extracting(ConsumerRecord::key).containsExactly("large", "small");
            assertThat(dead.get(0).value()).isNull();
            assertThat(KafkaEvents.header(dead.get(0), DeadLetters.TRUNCATED))
                    .isEqualTo("value left out: record of 5 key and " + large.length + " value bytes is over the dead-letter topic's limit");
            assertThat(KafkaEvents.header(dead.get(0), DeadLetters.ORIGINAL_OFFSET)).isEqualTo("7");
            assertThat(dead.get(1).value()).isEqualTo(small);
            assertThat(KafkaEvents.header(dead.get(1), DeadLetters.TRUNCATED)).isNull();
        }
    }

    private static int maxMessageBytes(KafkaBroker broker, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            return Integer.parseInt(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
        }
    }

    private static String randomBase64(int characters) {
        byte[] bytes = new byte[characters * 3 / 4];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
