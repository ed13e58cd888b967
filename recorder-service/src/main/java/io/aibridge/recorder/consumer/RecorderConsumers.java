package io.aibridge.recorder.consumer;

import io.aibridge.events.IdentityEvent;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.recorder.RecorderConfig;
import io.aibridge.recorder.identity.IdentityWriter;
import io.aibridge.recorder.interception.InterceptionWriter;
import io.aibridge.recorder.tracing.PersistTracing;
import io.aibridge.telemetry.TracingConfigInterceptor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the consumers when the service has started (after Flyway has migrated the schema) and
 * stops them on shutdown: {@code recorder.consumers} consumers of {@link Topics#INTERCEPTIONS}
 * and one of {@link Topics#IDENTITY}, all in the consumer group {@code recorder.group-id}. Kafka
 * does not have to be up: the consumers wait for it. A Kafka setting that Kafka itself refuses
 * stops the start, naming its variable (a consumer could never be created).
 */
@ApplicationScoped
public class RecorderConsumers {

    private static final Logger LOG = Logger.getLogger(RecorderConsumers.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** Bytes of interception events a fetch waits for (up to {@code recorder.batch-wait}): some thousands of events. */
    static final int GATHER_BYTES = 1024 * 1024;

    private final RecorderConfig config;
    private final InterceptionWriter interceptions;
    private final IdentityWriter identity;
    private final MeterRegistry registry;
    private final Map<String, Object> kafkaConfig;
    private final PersistTracing tracing;
    private final List<BatchConsumer<?>> consumers = new ArrayList<>();
    /** The gauges bound to this instance, removed when it stops (see {@link #stop}). */
    private final List<Meter> gauges = new ArrayList<>();
    private DeadLetters deadLetters;

    public RecorderConsumers(RecorderConfig config, InterceptionWriter interceptions, IdentityWriter identity,
                             MeterRegistry registry, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                             Tracer tracer, @ConfigProperty(name = TracingConfigInterceptor.SDK_DISABLED) boolean tracingOff) {
        // AIBRIDGE_TRACE_ENABLE unset: no span is built and no trace header read
        this.tracing = tracingOff ? PersistTracing.OFF : new PersistTracing(tracer);
        this.config = config;
        this.interceptions = interceptions;
        this.identity = identity;
        this.registry = registry;
        this.kafkaConfig = kafkaConfig;
    }

    synchronized void start(@Observes StartupEvent ignored) {
        deadLetters = new DeadLetters(kafkaConfig, "aibridge-recorder-dead-letters");
        ConsumerMetrics interceptionMetrics = new ConsumerMetrics(registry, Topics.INTERCEPTIONS);
        for (int i = 0; i < config.consumers(); i++) {
            consumers.add(consumer("aibridge-recorder-interceptions-" + i, Topics.INTERCEPTIONS,
                    Topics.INTERCEPTIONS_DEAD_LETTER, InterceptionEvent.class, interceptions, interceptionMetrics,
                    gathering(kafkaConfig, config.batchWait())));
        }
        consumers.add(consumer("aibridge-recorder-identity-0", Topics.IDENTITY, Topics.IDENTITY_DEAD_LETTER,
                IdentityEvent.class, identity, new ConsumerMetrics(registry, Topics.IDENTITY), kafkaConfig));
        checkSettings();
        for (String topic : List.of(Topics.INTERCEPTIONS, Topics.IDENTITY)) {
            gauges.add(Gauge.builder("aibridge.recorder.consumer.lag", this, r -> r.lag(topic))
                    .description("Records not yet consumed on the partitions this replica consumes")
                    .tag("topic", topic).strongReference(true).register(registry));
            gauges.add(Gauge.builder("aibridge.recorder.consumer.paused", this, r -> r.paused(topic))
                    .description("1 while the consumers of the topic are paused because writes fail, else 0")
                    .tag("topic", topic).strongReference(true).register(registry));
        }
        consumers.forEach(BatchConsumer::start);
        LOG.infof("recording %s with %d consumer(s) and %s in group %s, batches of up to %d records gathered for up to %d ms",
                Topics.INTERCEPTIONS, config.consumers(), Topics.IDENTITY, config.groupId(), config.batchSize(),
                config.batchWait().toMillis());
    }

    /**
     * Kafka's check of every client's settings before any starts: a value it refuses stops the start
     * with the variable named, rather than a consumer that logs the refusal for ever while the
     * health checks say UP.
     */
    private void checkSettings() {
        Map<String, String> own = kafkaConfig.containsKey(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)
                ? Map.of() : Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "AIBRIDGE_RECORDER_BATCH_WAIT");
        try {
            consumers.forEach(c -> c.checkSettings(own));
            deadLetters.checkSettings();
        } catch (IllegalStateException e) {
            consumers.clear();
            deadLetters.close();
            throw e;
        }
    }

    /**
     * The Kafka settings of a consumer whose fetches the broker holds for up to {@code wait} until
     * {@link #GATHER_BYTES} are ready, so that events arriving a few at a time are written in
     * batches of many. Settings given as {@code kafka.fetch.*} win.
     */
    static Map<String, Object> gathering(Map<String, Object> kafkaConfig, Duration wait) {
        if (wait.isZero() || wait.isNegative()) {
            return kafkaConfig;
        }
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(GATHER_BYTES));
        c.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Long.toString(wait.toMillis()));
        return c;
    }

    private <E extends io.aibridge.events.Event> BatchConsumer<E> consumer(String name, String topic, String deadLetterTopic,
                                                                            Class<E> type, EventWriter<E> writer,
                                                                            ConsumerMetrics metrics, Map<String, Object> kafka) {
        return new BatchConsumer<>(name, topic, deadLetterTopic, type, writer, deadLetters, metrics, tracing, kafka,
                config.groupId(), config.batchSize(), config.pollTimeout(), config.retry().initialBackoff(),
                config.retry().maxBackoff());
    }

    /**
     * Stops the consumers and takes this instance's gauges away: a registry that outlives the
     * application (dev mode's reload, one test class after another) would otherwise keep them bound
     * to the stopped consumers, and hand them back to the next instance's registration.
     */
    synchronized void stop(@Observes ShutdownEvent ignored) {
        gauges.forEach(registry::remove);
        gauges.clear();
        consumers.forEach(c -> c.stop(STOP_TIMEOUT));
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    /** Every consumer, for health checks. */
    public synchronized List<BatchConsumer<?>> consumers() {
        return List.copyOf(consumers);
    }

    private double lag(String topic) {
        return consumers().stream().filter(c -> c.topic().equals(topic)).mapToLong(BatchConsumer::lag).sum();
    }

    private double paused(String topic) {
        return consumers().stream().anyMatch(c -> c.topic().equals(topic) && c.paused()) ? 1 : 0;
    }
}
