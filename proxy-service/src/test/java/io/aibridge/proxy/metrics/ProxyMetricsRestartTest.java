package io.aibridge.proxy.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-flight gauges follow the running instance when the registry outlives an application (dev
 * mode's reload, one test class after another): the old instance's are removed with it.
 */
class ProxyMetricsRestartTest {

    private static double inflight(SimpleMeterRegistry registry) {
        return registry.get("aibridge.interceptions.inflight").tags("provider", "anthropic", "model", "m", "route", "/v1/messages")
                .gauge().value();
    }

    @Test
    void aNewInstanceReportsItsOwnInterceptionsInFlight() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyMetrics first = new ProxyMetrics(registry);
        first.started("anthropic", "m", "/v1/messages");
        first.started("anthropic", "m", "/v1/messages");
        assertThat(inflight(registry)).isEqualTo(2.0);
        first.unregister(); // the application stops with two interceptions cut off

        ProxyMetrics second = new ProxyMetrics(registry);
        second.started("anthropic", "m", "/v1/messages");
        assertThat(inflight(registry)).as("the new instance's count, not the old one's").isEqualTo(1.0);
    }
}
