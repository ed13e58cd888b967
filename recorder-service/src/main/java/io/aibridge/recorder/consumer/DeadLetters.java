package io.aibridge.recorder.consumer;

import io.aibridge.events.CloudEventHeaders;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes dead letters: the original record (same key, value and headers) on the dead-letter
 * topic, plus headers saying why and where it came from. A consumer commits the offsets of a batch
 * only after its dead letters are acknowledged, so none is lost. Thread-safe; the producer is
 * created on first use, so the service starts while Kafka is still away.
 *
 * <p>The recorder is the only producer of the dead-letter topics, so it creates them when they do
 * not exist (with the broker's default partition count and replication factor): a broker that
 * does not create topics on demand would otherwise block every batch with a dead letter.
 */
public final class DeadLetters implements AutoCloseable {

    /** Why the record can never be stored (also {@link CloudEventHeaders#DEAD_LETTER_REASON}). */
    public static final String REASON = CloudEventHeaders.DEAD_LETTER_REASON;
    /** The topic the record was consumed from. */
    public static final String ORIGINAL_TOPIC = "aibridge_dlq_topic";
    /** Its partition, as a decimal string. */
    public static final String ORIGINAL_PARTITION = "aibridge_dlq_partition";
    /** Its offset, as a decimal string. */
    public static final String ORIGINAL_OFFSET = "aibridge_dlq_offset";

    /** Kafka headers are small; a reason is cut to this many characters. */
    static final int MAX_REASON = 1000;

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> config;
    private final Map<String, Object> adminConfig;
    private final Set<String> existingTopics = new HashSet<>();
    private KafkaProducer<String, byte[]> producer;

    public DeadLetters(Map<String, Object> kafkaConfig, String clientId) {
        Map<String, Object> p = new HashMap<>(kafkaConfig);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        this.config = p;
        Map<String, Object> a = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                a.put(key, value);
            }
        });
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.adminConfig = a;
    }

    /** Publishes the dead letters to {@code topic} and waits until Kafka has every one of them. */
    public synchronized void publish(String topic, List<DeadLetter> letters) throws DeadLetterException {
        if (letters.isEmpty()) {
            return;
        }
        try {
            ensureTopic(topic);
            if (producer == null) {
                producer = new KafkaProducer<>(config);
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>(letters.size());
            for (DeadLetter letter : letters) {
                sent.add(producer.send(record(topic, letter)));
            }
            producer.flush();
            for (Future<RecordMetadata> future : sent) {
                future.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw new DeadLetterException("could not publish to " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new DeadLetterException("publishing to " + topic + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeadLetterException("interrupted while publishing to " + topic, e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw new DeadLetterException("could not publish to " + topic + ": " + e, e);
        }
    }

    private void ensureTopic(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        if (existingTopics.contains(topic)) {
            return;
        }
        try (Admin admin = Admin.create(adminConfig)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                    .all().get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        existingTopics.add(topic);
    }

    static ProducerRecord<String, byte[]> record(String topic, DeadLetter letter) {
        var source = letter.record();
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(topic, null, source.key(), source.value());
        for (Header header : source.headers()) {
            out.headers().add(header.key(), header.value());
        }
        String reason = letter.reason() == null ? "unknown" : letter.reason();
        set(out, REASON, reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
        set(out, ORIGINAL_TOPIC, source.topic());
        set(out, ORIGINAL_PARTITION, Integer.toString(source.partition()));
        set(out, ORIGINAL_OFFSET, Long.toString(source.offset()));
        return out;
    }

    private static void set(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().remove(name);
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private void closeQuietly() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(1));
            } catch (RuntimeException ignored) {
                // a new producer is made on the next attempt
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    /** Dead letters could not be published; the batch is retried, its offsets stay uncommitted. */
    public static final class DeadLetterException extends Exception {
        DeadLetterException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
