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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes identity changes to the compacted identity topic and answers once this replica's own
 * {@link IdentityStore} has applied them (read-your-writes), or once Kafka has acknowledged them and
 * the apply timeout has passed: an acknowledged change is durable, so it is never reported as not
 * made. The producer is idempotent with {@code acks=all}; it is created on first use, so the service
 * starts while Kafka is away.
 */
@ApplicationScoped
public class IdentityPublisher {

    private static final Logger LOG = Logger.getLogger(IdentityPublisher.class);
    /** The 503 message when Kafka gave no answer: the change may be on the topic or not. */
    static final String UNKNOWN = "Kafka did not confirm the change in time; it may or may not have been made.";
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
     * Publishes the event and waits until the store has applied it. Once Kafka has acknowledged the
     * event ({@code acks=all}) it is durable and every replica applies it, so from then on this never
     * answers that nothing changed: when this replica has not applied it within the apply timeout,
     * it returns all the same, and the caller answers from the event.
     *
     * @param howToCheck what the caller can do to learn whether the change was made, for the 503 when
     *                   Kafka gave no answer and the change did not show up here either
     * @return true when this replica's store holds the change; false when Kafka acknowledged it but
     * this replica has not applied it yet
     * @throws ApiException 503 when nothing was changed (the topic cannot be reached, or Kafka refused
     *                      the event), or when Kafka did not answer in time and the change did not
     *                      show up within the apply timeout: its outcome is unknown
     */
    public boolean publish(IdentityEvent event, String howToCheck) {
        Duration publishTimeout = config.identity().publishTimeout();
        if (!topic.ensure(publishTimeout)) {
            throw unavailable("The identity topic cannot be reached; nothing was changed. Try again later.");
        }
        CompletableFuture<Void> applied = store.whenApplied(event.eventId());
        try {
            return publish(event, applied, publishTimeout, howToCheck);
        } finally {
            // not applied here (refused, never written, or applied after the answer): nothing waits for it any more
            store.forget(event.eventId());
        }
    }

    private boolean publish(IdentityEvent event, CompletableFuture<Void> applied, Duration publishTimeout, String howToCheck) {
        EncodedEvent encoded = codec.encode(event);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), encoded.key(), encoded.body());
        encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        Future<RecordMetadata> sent;
        try {
            sent = producer().send(record);
        } catch (RuntimeException e) {
            // the producer could not take the record at all (closed, not creatable): nothing left this replica
            LOG.warnf("could not publish %s %s: %s", event.type().ceType(), event.key(), rootMessage(e));
            throw unavailable("Kafka did not take the change; nothing was changed. Try again later.");
        }
        try {
            sent.get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return outcomeUnknown(event, applied, howToCheck, "no acknowledgement within " + publishTimeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RetriableException) {
                // e.g. Kafka's own delivery timeout: the broker may have written the record before the answer was lost
                return outcomeUnknown(event, applied, howToCheck, rootMessage(e));
            }
            LOG.warnf("Kafka refused %s %s: %s", event.type().ceType(), event.key(), rootMessage(e));
            throw unavailable("Kafka refused the change; nothing was changed.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable(UNKNOWN, howToCheck);
        }
        if (awaitApplied(applied, config.identity().applyTimeout())) {
            return true;
        }
        LOG.warnf("identity event %s was acknowledged by Kafka but not applied here within %s; answering from the event",
                event.eventId(), config.identity().applyTimeout());
        return false;
    }

    /**
     * Kafka did not answer: the record may or may not be on the topic. If it is, this replica's reader
     * brings it back, so waiting for that as long as for an acknowledged change tells which it was.
     */
    private boolean outcomeUnknown(IdentityEvent event, CompletableFuture<Void> applied, String howToCheck, String why) {
        LOG.warnf("Kafka did not acknowledge %s %s (%s); waiting up to %s to see whether it was written",
                event.type().ceType(), event.key(), why, config.identity().applyTimeout());
        if (awaitApplied(applied, config.identity().applyTimeout())) {
            LOG.infof("identity event %s was written after all", event.eventId());
            return true;
        }
        throw ApiException.unavailable(UNKNOWN, howToCheck);
    }

    /** True once the store has applied the event, false when the timeout passed first. */
    private static boolean awaitApplied(CompletableFuture<Void> applied, Duration timeout) {
        try {
            applied.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return applied.isDone();
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
