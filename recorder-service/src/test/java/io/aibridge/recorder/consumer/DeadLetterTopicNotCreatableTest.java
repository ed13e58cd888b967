package io.aibridge.recorder.consumer;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.recorder.TestEvents;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.LogLines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A least-privilege recorder principal: READ and DESCRIBE on the source topic, READ on its group,
 * READ, WRITE and DESCRIBE on the dead-letter topic an operator made, and no CREATE. Kafka answers
 * TOPIC_AUTHORIZATION_FAILED to the creation of a topic that exists. As it was, that failed every
 * publication, and the consumer stopped at the first poison record for ever, retrying its batch.
 */
class DeadLetterTopicNotCreatableTest {

    private final EventCodec codec = new EventCodec("/aibridge/tests");

    @Test
    void aPoisonRecordGoesToThePreCreatedDeadLetterTopicAndTheRecordsBehindItAreStored() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startWithAcls();
             KafkaEvents operator = new KafkaEvents(broker.bootstrapServers(), broker.clientSecurity());
             LogLines log = LogLines.of(DeadLetters.class)) {
            operator.createTopic(Topics.INTERCEPTIONS, 1, Map.of());
            operator.createTopic(Topics.INTERCEPTIONS_DEAD_LETTER, 1, Map.of());
            String group = "recorder-" + UUID.randomUUID();
            broker.grantTopic(Topics.INTERCEPTIONS, AclOperation.READ, AclOperation.DESCRIBE);
            broker.grantGroup(group, AclOperation.READ);
            broker.grantTopic(Topics.INTERCEPTIONS_DEAD_LETTER, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);

            TestEvents.Interception interception = new TestEvents.Interception(UUID.randomUUID(), TestEvents.now());
            String key = interception.id.toString();
            EncodedEvent prompt = codec.encode(interception.prompt("behind the poison", 10));
            List<Event> good = List.of(interception.started(), interception.prompt("behind the poison", 10), interception.ended(50));
            operator.publish(good.get(0));
            operator.publishRaw(Topics.INTERCEPTIONS, key, prompt.headers(), "{not json".getBytes(StandardCharsets.UTF_8));
            operator.publish(good.get(1), good.get(2));

            List<InterceptionEvent> stored = new CopyOnWriteArrayList<>();
            Map<String, Object> kafka = restricted(broker);
            try (DeadLetters deadLetters = new DeadLetters(kafka, "aibridge-recorder-dead-letters")) {
                // one record a batch: the good records behind the poison come in batches of their own
                BatchConsumer<InterceptionEvent> consumer = new BatchConsumer<>("aibridge-recorder-interceptions-0",
                        Topics.INTERCEPTIONS, Topics.INTERCEPTIONS_DEAD_LETTER, InterceptionEvent.class, stored::addAll,
                        deadLetters, new ConsumerMetrics(new SimpleMeterRegistry(), Topics.INTERCEPTIONS), kafka, group, 1,
                        Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(500)).start();
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> stored.size() == good.size());
                } finally {
                    consumer.stop(Duration.ofSeconds(10));
                }
            }

            assertThat(stored).extracting(Event::eventId).containsExactlyElementsOf(good.stream().map(Event::eventId).toList());
            List<ConsumerRecord<String, byte[]>> dead = operator.records(Topics.INTERCEPTIONS_DEAD_LETTER);
            assertThat(dead).singleElement().satisfies(letter -> {
                assertThat(letter.key()).isEqualTo(key);
                assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
                assertThat(KafkaEvents.header(letter, DeadLetters.ORIGINAL_OFFSET)).isEqualTo("1");
            });
            assertThat(log.lines()).filteredOn(line -> line.startsWith("Kafka refused to create " + Topics.INTERCEPTIONS_DEAD_LETTER))
                    .singleElement().satisfies(line -> assertThat(line).contains("lacks the CREATE permission")
                            .endsWith("The topic exists, so dead letters go to it as it was created"));
            // nor may it read the topics' configs: the documented default is assumed, and said so
            assertThat(log.lines()).filteredOn(line -> line.startsWith("cannot read max.message.bytes of " + Topics.INTERCEPTIONS_DEAD_LETTER))
                    .singleElement().satisfies(line -> assertThat(line).contains("lacks the DESCRIBE_CONFIGS permission")
                            .contains("letters of up to " + (DeadLetters.UNKNOWN_SOURCE_LIMIT + DeadLetters.HEADROOM) + " bytes"));
        }
    }

    /** No dead-letter topic and no CREATE: the publication fails (the batch is retried) saying what the operator must do. */
    @Test
    void aMissingDeadLetterTopicThePrincipalMayNotCreateFailsNamingTheFix() throws Exception {
        try (KafkaBroker broker = KafkaBroker.startWithAcls();
             KafkaEvents operator = new KafkaEvents(broker.bootstrapServers(), broker.clientSecurity())) {
            operator.createTopic("source", 1, Map.of());
            broker.grantTopic("source", AclOperation.READ, AclOperation.DESCRIBE);
            broker.grantTopic("source.dlq", AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);

            try (DeadLetters letters = new DeadLetters(restricted(broker), "dlq-test")) {
                DeadLetter letter = new DeadLetter(new ConsumerRecord<>("source", 0, 7L, "k", "{not json".getBytes(StandardCharsets.UTF_8)),
                        "not JSON", DeadLetter.INVALID_EVENT);
                assertThatExceptionOfType(DeadLetters.DeadLetterException.class)
                        .isThrownBy(() -> letters.publish("source.dlq", List.of(letter)))
                        .withMessageStartingWith("the recorder's principal may not create source.dlq (")
                        .withMessageContaining("), and it does not exist. An operator must create it, e.g. kafka-topics.sh "
                                + "--bootstrap-server " + broker.bootstrapServers() + " --create --topic source.dlq --config max.message.bytes="
                                + (DeadLetters.UNKNOWN_SOURCE_LIMIT + DeadLetters.HEADROOM))
                        .withMessageEndingWith(", and grant the principal WRITE and DESCRIBE on it");
            }
        }
    }

    private static Map<String, Object> restricted(KafkaBroker broker) {
        Map<String, Object> kafka = new HashMap<>(broker.restrictedClientSecurity());
        kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return kafka;
    }
}
