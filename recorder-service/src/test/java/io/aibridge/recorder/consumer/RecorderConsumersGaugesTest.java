package io.aibridge.recorder.consumer;

import io.aibridge.recorder.RecorderConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumers' gauges go when the consumers stop: a registry that outlives the application (dev
 * mode's reload, one test class after another) would otherwise keep them bound to stopped
 * consumers and hand them back to the next instance's registration. Kafka is not needed: the
 * consumers wait for it in the background.
 */
class RecorderConsumersGaugesTest {

    private static RecorderConfig config() {
        RecorderConfig.Retry retry = (RecorderConfig.Retry) Proxy.newProxyInstance(RecorderConfig.class.getClassLoader(),
                new Class<?>[]{RecorderConfig.Retry.class}, (proxy, method, args) -> Duration.ofMillis(100));
        return (RecorderConfig) Proxy.newProxyInstance(RecorderConfig.class.getClassLoader(), new Class<?>[]{RecorderConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "groupId" -> "gauges-test";
                    case "batchSize", "consumers" -> 1;
                    case "batchWait", "pollTimeout" -> Duration.ofMillis(100);
                    case "retry" -> retry;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void stoppingRemovesTheGaugesSoTheNextInstanceRegistersItsOwn() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> kafka = Map.of("bootstrap.servers", "127.0.0.1:1");
        RecorderConsumers first = new RecorderConsumers(config(), null, null, registry, kafka, null, true);
        first.start(null);
        assertThat(registry.find("aibridge.recorder.consumer.lag").gauges()).hasSize(2);
        first.stop(null);
        assertThat(registry.find("aibridge.recorder.consumer.lag").gauges()).isEmpty();
        assertThat(registry.find("aibridge.recorder.consumer.paused").gauges()).isEmpty();

        RecorderConsumers second = new RecorderConsumers(config(), null, null, registry, kafka, null, true);
        second.start(null);
        assertThat(registry.find("aibridge.recorder.consumer.paused").gauges()).hasSize(2)
                .allSatisfy(gauge -> assertThat(gauge.value()).isZero());
        second.stop(null);
    }
}
