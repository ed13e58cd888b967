package io.aibridge.proxy.events;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.identity.KafkaTopics;
import io.aibridge.proxy.config.ProxyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Publishes interception events to {@code aibridge.interceptions.v1}: a bounded in-memory queue
 * drained by one publisher thread, so that {@link KafkaProducer#send} (which blocks while it has
 * no metadata, e.g. when Kafka is down) never runs on the event loop. One thread plus an
 * idempotent producer keeps every interception's events in order on its partition (key =
 * interception id).
 */
@ApplicationScoped
public class KafkaEventPublisher implements EventPublisher {

    private static final Logger LOG = Logger.getLogger(KafkaEventPublisher.class);
    private static final String SOURCE = "/aibridge/proxy-service";
    private static final Duration ENSURE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ENSURE_RETRY = Duration.ofSeconds(15);

    private final String bootstrapServers;
    private final ProxyConfig.Events config;
    private final EventCodec codec = new EventCodec(SOURCE);
    private final BlockingQueue<OutgoingEvent> queue;
    private final Counter published;
    private final Counter failed;
    private final Counter dropped;
    private volatile boolean running = true;
    private volatile boolean topicReady;
    private Thread thread;
    private KafkaProducer<String, byte[]> producer;

    public KafkaEventPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                               ProxyConfig config, MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.config = config.events();
        this.queue = new ArrayBlockingQueue<>(this.config.queueCapacity());
        this.published = Counter.builder("aibridge.events.published").description("Interception events acknowledged by Kafka").register(registry);
        this.failed = Counter.builder("aibridge.events.failed").description("Interception events Kafka did not accept within the delivery timeout").register(registry);
        this.dropped = Counter.builder("aibridge.events.dropped").description("Interception events dropped because the in-memory queue was full").register(registry);
        Gauge.builder("aibridge.events.waiting", queue, BlockingQueue::size).description("Interception events queued for Kafka")
                .strongReference(true).register(registry);
    }

    void start(@Observes StartupEvent event) {
        producer = new KafkaProducer<>(producerConfig());
        thread = new Thread(this::drain, "aibridge-event-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    private Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.compression());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) config.maxRequestSize().asLongValue());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(64 * 1024));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.deliveryTimeout().toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        // send() blocks this (publisher) thread at most this long while Kafka is unknown
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "aibridge-proxy-events");
        return p;
    }

    @Override
    public void publish(InterceptionEvent event, Map<String, String> headers) {
        if (!queue.offer(new OutgoingEvent(event, headers))) {
            dropped.increment();
            LOG.warnf("event queue full (%d): dropped %s of interception %s", config.queueCapacity(),
                    event.type().ceType(), event.interceptionId());
        }
    }

    /** Events waiting in memory. */
    public int waiting() {
        return queue.size();
    }

    private void drain() {
        long nextEnsure = 0;
        while (running || !queue.isEmpty()) {
            if (!topicReady && System.nanoTime() >= nextEnsure) {
                // created here, before the first send, so it gets our partitions and size limit rather than auto-creation defaults
                topicReady = KafkaTopics.ensure(bootstrapServers, Topics.INTERCEPTIONS, config.partitions(),
                        config.replicationFactor(), Map.of("max.message.bytes", String.valueOf(config.maxRequestSize().asLongValue())),
                        ENSURE_TIMEOUT);
                if (!topicReady) {
                    LOG.warnf("could not ensure topic %s yet (Kafka at %s unreachable?); retrying in %s",
                            Topics.INTERCEPTIONS, bootstrapServers, ENSURE_RETRY);
                    nextEnsure = System.nanoTime() + ENSURE_RETRY.toNanos();
                }
            }
            OutgoingEvent event;
            try {
                event = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (event != null) {
                send(event);
            }
        }
    }

    private void send(OutgoingEvent outgoing) {
        InterceptionEvent event = outgoing.event();
        try {
            EncodedEvent encoded = codec.encode(event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), encoded.key(), encoded.body());
            encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            outgoing.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    published.increment();
                } else {
                    failed.increment();
                    LOG.errorf("could not publish %s of interception %s: %s", event.type().ceType(), event.interceptionId(), error.toString());
                }
            });
        } catch (RuntimeException e) {
            failed.increment();
            LOG.errorf("could not publish %s of interception %s: %s", event.type().ceType(), event.interceptionId(), e.toString());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            try {
                thread.join(config.drainTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(config.drainTimeout());
            if (!queue.isEmpty()) {
                LOG.warnf("%d interception events were still queued at shutdown and are lost", queue.size());
            }
        }
    }
}
