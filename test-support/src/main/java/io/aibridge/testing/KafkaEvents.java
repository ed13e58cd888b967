package io.aibridge.testing;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InvalidEventException;
import io.aibridge.events.Topics;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/**
 * Test-side Kafka access: publish events (or raw records), and read a topic back, decoded, from
 * the beginning. Reads use no consumer group, so they never disturb the services under test.
 */
public final class KafkaEvents implements AutoCloseable {

    private final String bootstrapServers;
    private final Map<String, String> security;
    private final EventCodec codec = new EventCodec("/aibridge/tests");
    private final KafkaProducer<String, byte[]> producer;

    public KafkaEvents(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /** On a secured broker: {@code security} holds the client's settings ({@link KafkaBroker#clientSecurity()}). */
    public KafkaEvents(String bootstrapServers, Map<String, String> security) {
        this.bootstrapServers = bootstrapServers;
        this.security = Map.copyOf(security);
        Properties p = client();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        this.producer = new KafkaProducer<>(p);
    }

    /** Creates topics that do not exist yet, with {@code partitions} partitions and the given configs. */
    public void createTopic(String topic, int partitions, Map<String, String> configs) {
        Properties p = client();
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create topic " + topic, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Properties client() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.putAll(security);
        return p;
    }

    /** Publishes events in order and waits until the broker has them. */
    public void publish(Event... events) {
        for (Event event : events) {
            publish(codec.encode(event));
        }
        producer.flush();
    }

    public void publish(EncodedEvent encoded) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), encoded.key(), encoded.body());
        encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        send(record);
    }

    /** Publishes an event to this partition of its topic whatever its key, as a key's records go after partitions were added. */
    public void publishTo(int partition, Event event) {
        EncodedEvent encoded = codec.encode(event);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), partition, encoded.key(), encoded.body());
        encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        send(record);
    }

    /** Raises the topic's partition count to {@code total}, as an operator does with {@code kafka-topics.sh --alter}. */
    public void addPartitions(String topic, int total) {
        try (Admin admin = Admin.create(client())) {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(total))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not add partitions to " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Publishes a record exactly as given: for poison-message tests. */
    public void publishRaw(String topic, String key, Map<String, String> headers, byte[] value) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        send(record);
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish to " + record.topic(), e.getCause());
        }
    }

    /** Every record now on the topic, from the beginning. */
    public List<ConsumerRecord<String, byte[]>> records(String topic) {
        Properties p = client();
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "aibridge-tests-" + UUID.randomUUID());
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            if (partitions.isEmpty()) {
                return out;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end in 30 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Every event now on the topic, decoded (records that do not decode are skipped). */
    public List<Event> events(String topic) {
        List<Event> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records(topic)) {
            try {
                out.add(codec.decode(name -> header(record, name), record.value()));
            } catch (InvalidEventException ignored) {
                // poison records are the subject of other assertions
            }
        }
        return out;
    }

    /** The events of one interception on {@link Topics#INTERCEPTIONS}, in topic order. */
    public List<InterceptionEvent> interception(UUID interceptionId) {
        return events(Topics.INTERCEPTIONS).stream()
                .filter(e -> e instanceof InterceptionEvent ie && ie.interceptionId().equals(interceptionId))
                .map(InterceptionEvent.class::cast)
                .toList();
    }

    /** Polls {@link #events(String)} until the predicate holds, or fails after the timeout. */
    public List<Event> await(String topic, Predicate<List<Event>> until, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Event> events;
        do {
            events = events(topic);
            if (until.test(events)) {
                return events;
            }
            sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("condition not met on " + topic + " within " + timeout + "; events: " + events);
    }

    /** A header's value as a string, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
