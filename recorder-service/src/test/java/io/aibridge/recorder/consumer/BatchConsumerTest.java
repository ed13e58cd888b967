package io.aibridge.recorder.consumer;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The service must start, and stay up, while Kafka is not there yet; but a setting Kafka refuses
 * is never going to work, and must not look healthy.
 */
class BatchConsumerTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:1", "kafka.invalid:9092"})
    void keepsRunningWhileKafkaIsUnreachableAndStopsPromptly(String bootstrap) throws InterruptedException {
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        AtomicInteger writes = new AtomicInteger();
        EventWriter<InterceptionEvent> writer = events -> writes.incrementAndGet();
        try (DeadLetters deadLetters = new DeadLetters(kafka, "test")) {
            BatchConsumer<InterceptionEvent> consumer = new BatchConsumer<>("test-consumer", Topics.INTERCEPTIONS,
                    Topics.INTERCEPTIONS_DEAD_LETTER, InterceptionEvent.class, writer, deadLetters,
                    new ConsumerMetrics(new SimpleMeterRegistry(), Topics.INTERCEPTIONS), kafka, "test-group", 10,
                    Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(200)).start();
            Thread.sleep(1500);
            assertThat(consumer.alive()).isTrue();
            assertThat(consumer.running()).isTrue();
            assertThat(consumer.paused()).isFalse();

            long stopping = System.nanoTime();
            consumer.stop(Duration.ofSeconds(10));
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(10));
            assertThat(consumer.running()).isFalse();
            assertThat(writes).hasValue(0);
        }
    }

    @Test
    void aSettingKafkaRefusesIsFoundAtStartNamingItsVariable() {
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        Map<String, String> own = Map.of();

        assertThatIllegalStateException()
                .isThrownBy(() -> consumer(kafka, 0).checkSettings(own))
                .withMessageStartingWith("AIBRIDGE_RECORDER_BATCH_SIZE: Kafka refuses the settings of consumer test-consumer: ")
                .withMessageContaining("max.poll.records");
        assertThatIllegalStateException()
                .isThrownBy(() -> consumer(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "soon"), 10).checkSettings(own))
                .withMessageStartingWith("KAFKA_SESSION_TIMEOUT_MS: Kafka refuses the settings of consumer test-consumer: ");
        consumer(kafka, 10).checkSettings(own);
    }

    @Test
    void theDeadLetterProducerSettingsAreCheckedAtStartToo() {
        // linger.ms is the producer's alone: the consumers never read it
        try (DeadLetters deadLetters = new DeadLetters(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                "linger.ms", "a while"), "test")) {
            assertThatIllegalStateException().isThrownBy(deadLetters::checkSettings)
                    .withMessageStartingWith("KAFKA_LINGER_MS: Kafka refuses the settings of the dead-letter producer: ");
        }
    }

    @Test
    void aConsumerWhoseSettingsKafkaRefusesStopsAndIsNeitherLiveNorReady() throws InterruptedException {
        // before: "Kafka consumer failed (...); a new one in N ms" for ever, with liveness and readiness UP
        BatchConsumer<InterceptionEvent> consumer = consumer(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"), 0)
                .start();
        try {
            for (int i = 0; i < 100 && consumer.failure() == null; i++) {
                Thread.sleep(50);
            }
            assertThat(consumer.failure()).startsWith("AIBRIDGE_RECORDER_BATCH_SIZE: ").contains("max.poll.records");
            Thread.sleep(200);
            assertThat(consumer.alive()).isFalse();
            assertThat(consumer.running()).isFalse();
        } finally {
            consumer.stop(Duration.ofSeconds(5));
        }
    }

    private static BatchConsumer<InterceptionEvent> consumer(Map<String, Object> kafka, int batchSize) {
        return new BatchConsumer<>("test-consumer", Topics.INTERCEPTIONS, Topics.INTERCEPTIONS_DEAD_LETTER,
                InterceptionEvent.class, events -> { }, null, new ConsumerMetrics(new SimpleMeterRegistry(), Topics.INTERCEPTIONS),
                kafka, "test-group", batchSize, Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(200));
    }
}
