package io.aibridge.proxy.events;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.identity.KafkaConnection;
import io.aibridge.proxy.config.ProxyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import java.nio.file.Path;
import java.util.Map;

/**
 * Publishes interception events to {@code aibridge.interceptions.v1}, through memory and, while
 * Kafka is slow or away, the on-disk spool ({@link EventPipeline}): nothing recorded is lost, and
 * callers never wait.
 */
@ApplicationScoped
public class KafkaEventPublisher implements EventPublisher {

    private final EventPipeline pipeline;

    /** @param kafkaConfig every {@code kafka.*} setting ({@code KAFKA_*}): the connection's security settings are among them */
    public KafkaEventPublisher(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                               ProxyConfig config, SpoolConfig spool, MeterRegistry registry) {
        ProxyConfig.Events events = config.events();
        this.pipeline = new EventPipeline(new EventPipeline.Settings(KafkaConnection.of(kafkaConfig), events.partitions(),
                events.replicationFactor(), events.maxRequestSize().asLongValue(), events.compression(), events.deliveryTimeout(),
                events.drainTimeout(), events.queueCapacity(), Path.of(spool.dir()), spool.maxSize().asLongValue(), spool.after(),
                spool.whenFull() == SpoolConfig.WhenFull.FAIL_CLOSED, Map.of()), registry);
    }

    void start(@Observes StartupEvent event) {
        pipeline.start();
    }

    /**
     * Drains the pipeline before the other shutdown observers run (a lower priority runs first; the
     * default is {@code APPLICATION + 500}): closing MCP sessions or clients must not use up the
     * shutdown time the events need.
     */
    void stop(@Observes @Priority(Interceptor.Priority.APPLICATION) ShutdownEvent event) {
        pipeline.stop();
    }

    @PreDestroy
    void close() {
        pipeline.close();
    }

    @Override
    public void publish(InterceptionEvent event, Map<String, String> headers) {
        pipeline.publish(event, headers);
    }

    @Override
    public boolean acceptsNewInterceptions() {
        return pipeline.acceptsNewInterceptions();
    }

    /** Events in memory, not yet acknowledged by Kafka nor spooled. */
    public int waiting() {
        return pipeline.inMemory();
    }

    /** Events in the spool, waiting for Kafka. */
    public long spooled() {
        return pipeline.spoolEvents();
    }
}
