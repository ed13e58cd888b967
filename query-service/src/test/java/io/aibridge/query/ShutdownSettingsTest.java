package io.aibridge.query;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.shutdown.ShutdownConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Graceful shutdown, as the service reads it at start: without {@code quarkus.shutdown.timeout}
 * Quarkus exits at once and cuts every request in flight (a usage read, an admin write whose event
 * Kafka has acknowledged but whose token is not answered yet). The variables and their meaning are
 * the proxy's.
 */
class ShutdownSettingsTest {

    @Test
    void requestsInFlightMayFinishForThirtySecondsWithNoDelayByDefault() {
        ShutdownConfig shutdown = shutdownWith(Map.of());

        assertThat(shutdown.timeout()).contains(Duration.ofSeconds(30));
        assertThat(shutdown.delay()).contains(Duration.ZERO);
    }

    @Test
    void theDelayAndTheTimeoutComeFromTheProxysVariables() {
        ShutdownConfig shutdown = shutdownWith(Map.of("AIBRIDGE_SHUTDOWN_DELAY", "5s", "AIBRIDGE_SHUTDOWN_TIMEOUT", "35s"));

        assertThat(shutdown.delay()).contains(Duration.ofSeconds(5));
        assertThat(shutdown.timeout()).contains(Duration.ofSeconds(35));
        assertThat(shutdown.isDelayEnabled()).isTrue();
    }

    @Test
    void theDelayIsBuiltInSoThatReadinessGoesDownDuringIt() {
        // a build-time switch: without it Quarkus ignores AIBRIDGE_SHUTDOWN_DELAY
        assertThat(settingsWith(Map.of()).getValue("quarkus.shutdown.delay-enabled", Boolean.class)).isTrue();
    }

    /**
     * Quarkus' shutdown settings from the service's application.properties (prod profile) with
     * {@code environment} as environment variables, converted as Quarkus converts them ({@code 30s}).
     */
    private static ShutdownConfig shutdownWith(Map<String, String> environment) {
        return settingsWith(environment).getConfigMapping(ShutdownConfig.class);
    }

    private static SmallRyeConfig settingsWith(Map<String, String> environment) {
        Properties properties = new Properties();
        try (InputStream in = ShutdownSettingsTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .withSources(new PropertiesConfigSource(environment, "environment", 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(ShutdownConfig.class)
                .withValidateUnknown(false)
                .withProfile("prod")
                .build();
    }
}
