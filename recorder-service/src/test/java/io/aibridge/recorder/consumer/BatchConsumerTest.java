package io.aibridge.recorder.consumer;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The service must start, and stay up, while Kafka is not there yet. */
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
}
