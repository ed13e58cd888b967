package io.aibridge.identity;

import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.IdentityEvent;
import io.aibridge.events.InvalidEventException;
import io.aibridge.events.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps an {@link IdentityStore} current: reads the whole compacted identity topic from the
 * beginning at start, then follows it. Uses no consumer group (every replica reads everything), so
 * a revoked key reaches every replica within the poll interval. Runs on its own daemon thread and
 * reconnects by itself; while Kafka is away the store keeps what it has.
 */
public final class IdentityTopicReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(IdentityTopicReader.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final Properties config;
    private final IdentityStore store;
    private final EventCodec codec = new EventCodec("/aibridge/identity-reader");
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean topicMissing;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public IdentityTopicReader(String bootstrapServers, IdentityStore store) {
        this(KafkaConnection.plain(bootstrapServers), store);
    }

    public IdentityTopicReader(KafkaConnection kafka, IdentityStore store) {
        this.store = store;
        this.config = kafka.applyTo(new Properties());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // never let a metadata request create the topic with the broker's defaults (it must be compacted)
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "aibridge-identity-" + UUID.randomUUID());
        this.thread = new Thread(this::run, "aibridge-identity-reader");
        this.thread.setDaemon(true);
    }

    public IdentityTopicReader start() {
        thread.start();
        return this;
    }

    /** True once everything that was on the topic when the reader started has been applied. */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** True while Kafka answers that the topic does not exist yet: there is nothing to catch up with. */
    public boolean topicMissing() {
        return topicMissing;
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(config)) {
                consumer = c;
                follow(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("identity topic reader: %s; retrying in %s", e.toString(), RETRY);
                sleep(RETRY);
            }
        }
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> partitions = List.of();
        while (running && partitions.isEmpty()) {
            partitions = c.partitionsFor(Topics.IDENTITY, Duration.ofSeconds(5)).stream()
                    .map(info -> new TopicPartition(Topics.IDENTITY, info.partition())).toList();
            topicMissing = partitions.isEmpty();
            if (partitions.isEmpty()) {
                LOG.debugf("topic %s does not exist yet; waiting", Topics.IDENTITY);
                sleep(RETRY);
            }
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> target = new HashMap<>(c.endOffsets(partitions));
        while (running) {
            for (ConsumerRecord<String, byte[]> record : c.poll(POLL)) {
                apply(record);
            }
            if (!caughtUp()) {
                target.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (target.isEmpty()) {
                    caughtUp.countDown();
                    LOG.debugf("identity store caught up with %s", Topics.IDENTITY);
                }
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        try {
            Event event = codec.decode(name -> header(record, name), record.value());
            if (event instanceof IdentityEvent identity) {
                store.apply(identity);
            }
        } catch (InvalidEventException e) {
            LOG.warnf("skipping invalid identity record at %s-%d offset %d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
