package io.aibridge.proxy.events;

import io.aibridge.identity.KafkaConnection;

import io.aibridge.events.InterceptionEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A spool left by a previous run: before the proxy starts, a pipeline with no Kafka to reach spools
 * {@value #INTERCEPTIONS} interceptions' events into {@link #DIR} and closes, as a proxy stopped while
 * Kafka was down does. The proxy under test is to be pointed at it ({@code proxy.spool.dir}).
 */
public class LeftSpoolTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String DIR = "target/test-spool/left-by-a-previous-run";
    public static final int INTERCEPTIONS = 20;
    /** Events per interception ({@link EventPipelineTest#interception}). */
    public static final int EVENTS = INTERCEPTIONS * 3;

    @Override
    public Map<String, String> start() {
        Path dir = Path.of(DIR);
        try {
            if (Files.exists(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EventPipeline left = new EventPipeline(new EventPipeline.Settings(KafkaConnection.plain("127.0.0.1:1"), 2, (short) 1, 16L * 1024 * 1024, "snappy",
                Duration.ofSeconds(1), Duration.ofMillis(200), 10_000, dir, 64L * 1024 * 1024, Duration.ofMillis(100), false,
                Map.of("request.timeout.ms", "500", "delivery.timeout.ms", "1000", "max.block.ms", "500")), new SimpleMeterRegistry());
        left.start();
        for (int i = 0; i < INTERCEPTIONS; i++) {
            for (InterceptionEvent e : EventPipelineTest.interception(UUID.randomUUID(), "left " + i)) {
                left.publish(e, Map.of());
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (left.spoolEvents() < EVENTS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + left.spoolEvents() + " of " + EVENTS + " events spooled");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        left.close();
        return Map.of();
    }

    @Override
    public void stop() {
    }
}
