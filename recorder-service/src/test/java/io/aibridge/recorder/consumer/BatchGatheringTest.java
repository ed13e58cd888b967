package io.aibridge.recorder.consumer;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.recorder.TestEvents;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Interception events that arrive a few at a time are written in a few batches, not one batch
 * per poll: the broker holds the consumer's fetch for up to {@code recorder.batch-wait} (real
 * broker; each case on a topic of its own).
 */
class BatchGatheringTest {

    private static final int EVENTS = 12;
    private static final Duration SPACING = Duration.ofMillis(25);

    private static final EventCodec CODEC = new EventCodec("/aibridge/tests");

    private static KafkaBroker broker;
    private static KafkaEvents kafka;

    @BeforeAll
    static void startKafka() {
        broker = KafkaBroker.start();
        kafka = new KafkaEvents(broker.bootstrapServers());
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
        broker.close();
    }

    @Test
    void eventsArrivingOneByOneWithinTheWaitAreWrittenTogether() throws Exception {
        List<Integer> batches = batchesOfEventsArrivingOneByOne(Duration.ofMillis(1000));
        assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(EVENTS);
        assertThat(batches).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void withoutAWaitEachPollTakesWhatHasArrived() throws Exception {
        // the control: the same arrivals make many batches when the fetch is not held
        List<Integer> batches = batchesOfEventsArrivingOneByOne(Duration.ZERO);
        assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(EVENTS);
        assertThat(batches).hasSizeGreaterThanOrEqualTo(EVENTS / 3);
    }

    @Test
    void settingsGivenForKafkaWin() {
        Map<String, Object> own = Map.of("bootstrap.servers", "b:9092", "fetch.max.wait.ms", "50");
        assertThat(RecorderConsumers.gathering(own, Duration.ofMillis(200)))
                .containsEntry("fetch.max.wait.ms", "50").containsEntry("fetch.min.bytes", "1048576");
        assertThat(RecorderConsumers.gathering(own, Duration.ZERO)).isSameAs(own);
    }

    /** One interception's start, on the case's own topic. */
    private static void publish(String topic) {
        EncodedEvent event = CODEC.encode(new TestEvents.Interception(UUID.randomUUID(), TestEvents.now()).started());
        kafka.publishRaw(topic, event.key(), event.headers(), event.body());
    }

    /**
     * Sends one interception event every {@link #SPACING} to a consumer that is already reading,
     * and returns the sizes of the batches it wrote them in.
     */
    private static List<Integer> batchesOfEventsArrivingOneByOne(Duration wait) throws Exception {
        String topic = Topics.INTERCEPTIONS + ".gathering-" + UUID.randomUUID();
        kafka.createTopic(topic, 1, Map.of());
        List<Integer> batches = new CopyOnWriteArrayList<>();
        EventWriter<InterceptionEvent> writer = events -> batches.add(events.size());
        Map<String, Object> settings = RecorderConsumers.gathering(
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), wait);
        try (DeadLetters deadLetters = new DeadLetters(settings, "gathering-test")) {
            BatchConsumer<InterceptionEvent> consumer = new BatchConsumer<>("gathering-" + wait.toMillis(), topic,
                    topic + ".dlq", InterceptionEvent.class, writer, deadLetters,
                    new ConsumerMetrics(new SimpleMeterRegistry(), topic), settings, "gathering-" + UUID.randomUUID(), 1000,
                    Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(200)).start();
            try {
                // a first event, to know the consumer has its partition
                publish(topic);
                await().atMost(Duration.ofSeconds(30)).until(() -> !batches.isEmpty());
                batches.clear();

                for (int i = 0; i < EVENTS; i++) {
                    publish(topic);
                    Thread.sleep(SPACING.toMillis());
                }
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> batches.stream().mapToInt(Integer::intValue).sum() >= EVENTS);
                return List.copyOf(batches);
            } finally {
                consumer.stop(Duration.ofSeconds(10));
            }
        }
    }
}
