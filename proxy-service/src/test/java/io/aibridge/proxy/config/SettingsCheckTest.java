package io.aibridge.proxy.config;

import io.aibridge.proxy.events.SpoolConfig;
import io.aibridge.proxy.mcp.McpConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ranges {@link SettingsCheck} holds the settings to, set as the environment variables an operator sets, read through
 * the service's own application.properties. {@code SettingsStopTheStartTest} shows a bad value stopping a real start.
 */
class SettingsCheckTest {

    /** The settings as the service reads them with these environment variables (and its own config interceptors). */
    static SmallRyeConfig configWith(Map<String, String> environment) {
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .addDiscoveredInterceptors()
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                    .withSources(new PropertiesConfigSource(SettingsCheckTest.class.getResource("/application.properties"), 250))
                    .withSources(new PropertiesConfigSource(environment, "environment", 300))
                    .withMapping(ProxyConfig.class)
                    .withMapping(McpConfig.class)
                    .withMapping(SpoolConfig.class)
                    .withValidateUnknown(false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> problems(Map<String, String> environment) {
        SmallRyeConfig config = configWith(environment);
        return SettingsCheck.problems(config.getConfigMapping(ProxyConfig.class), config.getConfigMapping(McpConfig.class),
                config.getConfigMapping(SpoolConfig.class));
    }

    @Test
    void theDefaultsAndTheValuesAtTheEdgesOfTheirRangesPass() {
        assertThat(problems(Map.of())).isEmpty();
        assertThat(problems(Map.ofEntries(
                Map.entry("AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE", "0"),
                Map.entry("AIBRIDGE_IDENTITY_SNAPSHOT_AFTER", "0"),
                Map.entry("AIBRIDGE_MAX_REQUEST_BODY", "1"),
                Map.entry("AIBRIDGE_STREAM_KEEP_ALIVE", "0"),
                Map.entry("AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT", "1ms"),
                Map.entry("AIBRIDGE_UPSTREAM_TIMEOUT", "1ms"),
                Map.entry("AIBRIDGE_UPSTREAM_MAX_RETRIES", "0"),
                Map.entry("AIBRIDGE_UPSTREAM_MAX_CONNECTIONS", "1"),
                Map.entry("AIBRIDGE_EVENTS_PARTITIONS", "1"),
                Map.entry("AIBRIDGE_EVENTS_REPLICATION_FACTOR", "3"),
                Map.entry("AIBRIDGE_EVENTS_QUEUE_CAPACITY", "1"),
                Map.entry("AIBRIDGE_EVENTS_MAX_REQUEST_SIZE", "2147483647"),
                Map.entry("AIBRIDGE_EVENTS_COMPRESSION", "zstd"),
                Map.entry("AIBRIDGE_EVENTS_MAX_PROMPT_CHARS", "1"),
                Map.entry("AIBRIDGE_METRICS_MAX_LABEL_VALUES", "0"),
                Map.entry("AIBRIDGE_SPOOL_MAX_SIZE", "1"),
                Map.entry("AIBRIDGE_SPOOL_AFTER", "1ms"),
                Map.entry("AIBRIDGE_MCP_EXCLUDED_MODELS", ""),
                Map.entry("AIBRIDGE_MCP_MAX_ROUNDS", "1"),
                Map.entry("AIBRIDGE_MCP_CALL_TIMEOUT", "1ms"),
                Map.entry("AIBRIDGE_MCP_INIT_TIMEOUT", "1ms"),
                Map.entry("AIBRIDGE_MCP_MAX_CONCURRENT_CALLS", "1"),
                Map.entry("AIBRIDGE_MCP_USER_SESSIONS_MAX", "1"),
                Map.entry("AIBRIDGE_MCP_USER_SESSIONS_IDLE_TIMEOUT", "1ms")))).isEmpty();
    }

    @Test
    void theRequestBodyLimitStaysWithinTheHttpServersOwn() {
        assertThat(problems(Map.of("AIBRIDGE_MAX_REQUEST_BODY", "1G"))).isEmpty();
        assertThat(problems(Map.of("AIBRIDGE_MAX_REQUEST_BODY", "2G")))
                .containsExactly("AIBRIDGE_MAX_REQUEST_BODY must be at most 1073741824 bytes, not 2147483648");
        assertThat(configWith(Map.of()).getConfigValue("quarkus.http.limits.max-body-size").getValue())
                .as("the HTTP server's limit that SettingsCheck.HTTP_BODY_LIMIT repeats").isEqualTo("1G");
    }

    @Test
    void everyValueOutOfRangeIsNamedByItsVariableWithWhatItAccepts() {
        assertThat(problems(Map.ofEntries(
                Map.entry("AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE", "-1s"),
                Map.entry("AIBRIDGE_IDENTITY_SNAPSHOT_AFTER", "-5s"),
                Map.entry("AIBRIDGE_MAX_REQUEST_BODY", "0"),
                Map.entry("AIBRIDGE_STREAM_KEEP_ALIVE", "-10s"),
                Map.entry("AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT", "-1s"),
                Map.entry("AIBRIDGE_UPSTREAM_TIMEOUT", "0"),
                Map.entry("AIBRIDGE_UPSTREAM_MAX_RETRIES", "-1"),
                Map.entry("AIBRIDGE_UPSTREAM_MAX_CONNECTIONS", "0"),
                Map.entry("AIBRIDGE_EVENTS_PARTITIONS", "0"),
                Map.entry("AIBRIDGE_EVENTS_REPLICATION_FACTOR", "0"),
                Map.entry("AIBRIDGE_EVENTS_QUEUE_CAPACITY", "-5"),
                Map.entry("AIBRIDGE_EVENTS_MAX_REQUEST_SIZE", "2G"),
                Map.entry("AIBRIDGE_EVENTS_COMPRESSION", "brotli"),
                Map.entry("AIBRIDGE_EVENTS_MAX_PROMPT_CHARS", "0"),
                Map.entry("AIBRIDGE_METRICS_MAX_LABEL_VALUES", "-1"),
                Map.entry("AIBRIDGE_SPOOL_MAX_SIZE", "0"),
                Map.entry("AIBRIDGE_SPOOL_AFTER", "0"),
                Map.entry("AIBRIDGE_MCP_EXCLUDED_MODELS", "haiku|(mini"),
                Map.entry("AIBRIDGE_MCP_MAX_ROUNDS", "0"),
                Map.entry("AIBRIDGE_MCP_CALL_TIMEOUT", "0"),
                Map.entry("AIBRIDGE_MCP_INIT_TIMEOUT", "PT0.0005S"),
                Map.entry("AIBRIDGE_MCP_MAX_CONCURRENT_CALLS", "0"),
                Map.entry("AIBRIDGE_MCP_USER_SESSIONS_MAX", "0"),
                Map.entry("AIBRIDGE_MCP_USER_SESSIONS_IDLE_TIMEOUT", "-15m")))).containsExactly(
                "AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE must be 0 (no copy) or a positive duration, not -1s",
                "AIBRIDGE_IDENTITY_SNAPSHOT_AFTER must be 0 (do not wait for Kafka) or a positive duration, not -5s",
                "AIBRIDGE_MAX_REQUEST_BODY must be a size of 1 byte or more (such as 16M), not 0",
                "AIBRIDGE_STREAM_KEEP_ALIVE must be 0 (none) or a positive duration, not -10s",
                "AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT must be a duration of 1ms or more (such as 30s), not -1s",
                "AIBRIDGE_UPSTREAM_TIMEOUT must be a duration of 1ms or more (such as 30s), not 0s",
                "AIBRIDGE_UPSTREAM_MAX_RETRIES must be 0 (no retries) or more, not -1",
                "AIBRIDGE_UPSTREAM_MAX_CONNECTIONS must be 1 or more, not 0",
                "AIBRIDGE_EVENTS_PARTITIONS must be 1 or more, not 0",
                "AIBRIDGE_EVENTS_REPLICATION_FACTOR must be -1 (the broker's default) or 1 or more, not 0",
                "AIBRIDGE_EVENTS_QUEUE_CAPACITY must be 1 or more, not -5",
                "AIBRIDGE_EVENTS_MAX_REQUEST_SIZE must be at most 2147483647 bytes, not 2147483648",
                "AIBRIDGE_EVENTS_COMPRESSION must be snappy, lz4, zstd, gzip or none, not \"brotli\"",
                "AIBRIDGE_EVENTS_MAX_PROMPT_CHARS must be 1 or more, not 0",
                "AIBRIDGE_METRICS_MAX_LABEL_VALUES must be 0 (every value counted as other) or more, not -1",
                "AIBRIDGE_SPOOL_MAX_SIZE must be a size of 1 byte or more (such as 16M), not 0",
                "AIBRIDGE_SPOOL_AFTER must be a duration of 1ms or more (such as 30s), not 0s",
                "AIBRIDGE_MCP_EXCLUDED_MODELS must be a regular expression (such as haiku), not \"haiku|(mini\": Unclosed group near index 11",
                "AIBRIDGE_MCP_MAX_ROUNDS must be 1 or more, not 0",
                "AIBRIDGE_MCP_CALL_TIMEOUT must be a duration of 1ms or more (such as 30s), not 0s",
                "AIBRIDGE_MCP_INIT_TIMEOUT must be a duration of 1ms or more (such as 30s), not PT0.0005S",
                "AIBRIDGE_MCP_MAX_CONCURRENT_CALLS must be 1 or more, not 0",
                "AIBRIDGE_MCP_USER_SESSIONS_MAX must be 1 or more, not 0",
                "AIBRIDGE_MCP_USER_SESSIONS_IDLE_TIMEOUT must be a duration of 1ms or more (such as 30s), not -900s");
    }

    @Test
    void aConnectTimeoutVertxCannotHoldIsRefused() {
        // Vert.x keeps the connect timeout as an int of milliseconds: 25 days would wrap round to a negative number
        assertThat(problems(Map.of("AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT", "25d")))
                .containsExactly("AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT must be at most 2147483647ms, not 2160000s");
    }

    @Test
    void thePortAndTheShutdownReachQuarkusAndTakeTheValuesAtTheEdgesOfTheirRanges() {
        SmallRyeConfig defaults = configWith(Map.of());
        ProxyConfig proxy = defaults.getConfigMapping(ProxyConfig.class);
        assertThat(proxy.httpPort()).isEqualTo(8080);
        assertThat(proxy.shutdown().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(proxy.shutdown().delay()).isZero();

        SmallRyeConfig lowest = configWith(Map.of("AIBRIDGE_PROXY_PORT", "1", "AIBRIDGE_SHUTDOWN_TIMEOUT", "0",
                "AIBRIDGE_SHUTDOWN_DELAY", "0"));
        assertThat(lowest.getConfigMapping(ProxyConfig.class).httpPort()).isEqualTo(1);
        assertThat(lowest.getValue("quarkus.http.port", Integer.class)).isEqualTo(1);
        assertThat(lowest.getValue("quarkus.shutdown.timeout", Duration.class)).isZero();
        assertThat(lowest.getValue("quarkus.shutdown.delay", Duration.class)).isZero();

        SmallRyeConfig highest = configWith(Map.of("AIBRIDGE_PROXY_PORT", "65535", "AIBRIDGE_SHUTDOWN_TIMEOUT", "24d",
                "AIBRIDGE_SHUTDOWN_DELAY", "24d"));
        assertThat(highest.getValue("quarkus.http.port", Integer.class)).isEqualTo(65535);
        assertThat(highest.getConfigMapping(ProxyConfig.class).shutdown().timeout()).isEqualTo(Duration.ofDays(24));
        assertThat(highest.getValue("quarkus.shutdown.timeout", Duration.class)).isEqualTo(Duration.ofDays(24));
        assertThat(highest.getValue("quarkus.shutdown.delay", Duration.class)).isEqualTo(Duration.ofDays(24));
        assertThat(problems(Map.of("AIBRIDGE_SHUTDOWN_TIMEOUT", "1ms", "AIBRIDGE_SHUTDOWN_DELAY", "1ms"))).isEmpty();
    }

    /**
     * Refused as the configuration is read, before the HTTP server opens (this class's checks run after it): Quarkus
     * took port 0 as any free port, failed inside Vert.x on 70000 naming no variable, and took a negative shutdown
     * timeout or delay as none, silently.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "AIBRIDGE_PROXY_PORT|0|AIBRIDGE_PROXY_PORT: \"0\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_PROXY_PORT|70000|AIBRIDGE_PROXY_PORT: \"70000\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_PROXY_PORT|-1|AIBRIDGE_PROXY_PORT: \"-1\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_PROXY_PORT|eighty|AIBRIDGE_PROXY_PORT: \"eighty\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_SHUTDOWN_TIMEOUT|-30s|AIBRIDGE_SHUTDOWN_TIMEOUT: \"-30s\" is out of range. Accepted: 0 (do not wait for requests in flight), or a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 1ms to 24d.",
            "AIBRIDGE_SHUTDOWN_TIMEOUT|25d|AIBRIDGE_SHUTDOWN_TIMEOUT: \"25d\" is out of range",
            "AIBRIDGE_SHUTDOWN_DELAY|-5s|AIBRIDGE_SHUTDOWN_DELAY: \"-5s\" is out of range. Accepted: a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 0 to 24d.",
            "AIBRIDGE_SHUTDOWN_DELAY|soon|AIBRIDGE_SHUTDOWN_DELAY: \"soon\" is not a duration",
    })
    void aPortOrAShutdownOutOfRangeIsRefusedNamingTheVariable(String variable, String value, String message) {
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of(variable, value)))
                .withMessageContaining(message);
    }

    @Test
    void theStartStopsWithOneMessageNamingEveryBadSetting() {
        SmallRyeConfig config = configWith(Map.of("AIBRIDGE_UPSTREAM_TIMEOUT", "0", "AIBRIDGE_EVENTS_QUEUE_CAPACITY", "0"));
        assertThatThrownBy(() -> new SettingsCheck(config.getConfigMapping(ProxyConfig.class), config.getConfigMapping(McpConfig.class),
                config.getConfigMapping(SpoolConfig.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AIBRIDGE_UPSTREAM_TIMEOUT must be a duration of 1ms or more (such as 30s), not 0s; "
                        + "AIBRIDGE_EVENTS_QUEUE_CAPACITY must be 1 or more, not 0");
    }
}
