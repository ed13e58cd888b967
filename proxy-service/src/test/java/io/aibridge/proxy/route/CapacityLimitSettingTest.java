package io.aibridge.proxy.route;

import io.aibridge.proxy.config.ProxyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code AIBRIDGE_MAX_CONCURRENCY}: a negative value stops the service at start, naming the setting. */
class CapacityLimitSettingTest {

    private static ProxyConfig maxConcurrency(int value) {
        return (ProxyConfig) Proxy.newProxyInstance(ProxyConfig.class.getClassLoader(), new Class<?>[]{ProxyConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("maxConcurrency")) {
                        return value;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aNegativeLimitIsRefusedWithTheSettingsName() {
        assertThatThrownBy(() -> new CapacityLimit(maxConcurrency(-1), new SimpleMeterRegistry()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AIBRIDGE_MAX_CONCURRENCY must be 0 (no limit) or a number of requests, not -1");
    }

    @Test
    void zeroAndAPositiveLimitAreAcceptedAndExported() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CapacityLimit unlimited = new CapacityLimit(maxConcurrency(0), registry);
        assertThat(registry.get("aibridge.capacity.limit").gauge().value()).isZero();
        unlimited.unregister();
        assertThat(registry.getMeters()).as("removed with the instance").isEmpty();
        new CapacityLimit(maxConcurrency(300), registry);
        assertThat(registry.get("aibridge.capacity.limit").gauge().value()).isEqualTo(300.0);
        assertThat(registry.get("aibridge.capacity.inflight").gauge().value()).isZero();
        assertThat(registry.get("aibridge.capacity.refused").counter().count()).isZero();
    }
}
