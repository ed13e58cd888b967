package io.aibridge.query.identity;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.IdentityEvent;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.QueryConfig;
import io.aibridge.query.api.ApiException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes identity changes to the compacted identity topic and answers only once this replica's own
 * {@link IdentityStore} has applied them (read-your-writes). The producer is idempotent with
 * {@code acks=all}; it is created on first use, so the service starts while Kafka is away.
 */
@ApplicationScoped
public class IdentityPublisher {

    private static final Logger LOG = Logger.getLogger(IdentityPublisher.class);
    static final String SOURCE = "/aibridge/query-service";

    private final IdentityStore store;
    private final IdentityTopic topic;
    private final QueryConfig config;
    private final EventCodec codec = new EventCodec(SOURCE);
    private KafkaProducer<String, byte[]> producer;

    public IdentityPublisher(IdentityStore store, IdentityTopic topic, QueryConfig config) {
        this.store = store;
        this.topic = topic;
        this.config = config;
    }

    /**
     * Publishes the event and waits until the store has applied it.
     *
     * @throws ApiException 503 when Kafka does not take the event in time, or the change does not
     *                      come back through the topic in time
     */
    public void publish(IdentityEvent event) {
        Duration publishTimeout = config.identity().publishTimeout();
        if (!topic.ensure(publishTimeout)) {
            throw unavailable("The identity topic cannot be reached.");
        }
        CompletableFuture<Void> applied = store.whenApplied(event.eventId());
        EncodedEvent encoded = codec.encode(event);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), encoded.key(), encoded.body());
        encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer().send(record).get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warnf("could not publish %s %s: %s", event.type().ceType(), event.key(), rootMessage(e));
            throw unavailable("Kafka did not acknowledge the change; nothing was changed. Try again later.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("Interrupted while publishing the change.");
        }
        awaitApplied(event.eventId(), applied);
    }

    private void awaitApplied(UUID eventId, CompletableFuture<Void> applied) {
        try {
            applied.get(config.identity().applyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warnf("identity event %s was published but not applied within %s", eventId, config.identity().applyTimeout());
            throw ApiException.unavailable("The change was accepted but is not visible yet.",
                    "It was written to the identity topic and takes effect as soon as the identity readers catch up.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("Interrupted while waiting for the change to apply.");
        }
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            long timeout = Math.max(1_000, config.identity().publishTimeout().toMillis());
            Properties p = topic.kafka().applyTo(new Properties());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "aibridge-query-identity-" + UUID.randomUUID());
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeout / 2));
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    private static ApiException unavailable(String detail) {
        return ApiException.unavailable("Identity changes are unavailable.", detail);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
