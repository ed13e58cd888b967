package io.aibridge.bench.recorder;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes interception events to {@code aibridge.interceptions.v1} exactly as the proxy does:
 * CloudEvents binary mode through the contract's {@link EventCodec}, key = interception id, an
 * idempotent producer with {@code acks=all}, snappy, and the proxy's linger and batch size.
 */
public final class EventPublisher implements AutoCloseable {

    private final EventCodec codec = new EventCodec("/aibridge/bench");
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicLong failed = new AtomicLong();

    public EventPublisher(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "snappy",
                // the proxy's batching (EventPipeline): with the producer's 5 ms default, the broker
                // handled four times the produce requests the proxy would send it for the same traffic
                ProducerConfig.LINGER_MS_CONFIG, "20",
                ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(64 * 1024),
                ProducerConfig.CLIENT_ID_CONFIG, "aibridge-bench"));
    }

    /** Sends the events (asynchronously); returns how many. */
    public int send(List<InterceptionEvent> events) {
        for (InterceptionEvent event : events) {
            EncodedEvent encoded = codec.encode(event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), encoded.key(), encoded.body());
            encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                }
            });
        }
        return events.size();
    }

    public void flush() {
        producer.flush();
    }

    /** Sends that Kafka refused (none expected; reported so a broken run cannot pass for a fast one). */
    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
