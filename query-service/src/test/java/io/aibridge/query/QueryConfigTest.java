package io.aibridge.query;

import io.aibridge.testing.ServiceSettings;
import io.smallrye.config.ConfigValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The public names through application.properties to {@link QueryConfig}: a timeout or topic
 * setting the service cannot work with stops the start naming the variable, instead of a service
 * whose every read (statement timeout 1 ms) or admin write (timeout 0) answers 503, that listens on
 * a port nobody knows (0), fails in its connection pool naming nothing (pool size 0), or cuts every
 * request in flight on shutdown (a negative timeout, which Quarkus took as 0).
 */
class QueryConfigTest {

    @Test
    void theDefaultsAreValid() {
        QueryConfig config = configWith(Map.of());

        assertThat(config.httpPort()).isEqualTo(8081);
        assertThat(config.shutdown().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.shutdown().delay()).isZero();
        assertThat(config.database().poolSize()).isEqualTo(20);
        assertThat(config.database().statementTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.identity().publishTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.identity().applyTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.identity().topicPartitions()).isEqualTo(1);
        assertThat(config.identity().topicReplicationFactor()).isEqualTo((short) -1);
    }

    @Test
    void aStatementTimeoutOfZeroMeansNoLimitAsInPostgres() {
        assertThat(configWith(Map.of("AIBRIDGE_QUERY_STATEMENT_TIMEOUT", "0")).database().statementTimeout()).isZero();
        assertThat(configWith(Map.of("AIBRIDGE_QUERY_STATEMENT_TIMEOUT", "0s")).database().statementTimeout()).isZero();
        assertThat(configWith(Map.of("AIBRIDGE_QUERY_STATEMENT_TIMEOUT", "2m")).database().statementTimeout())
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void readsTheIdentitySettings() {
        QueryConfig config = configWith(Map.of("AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT", "500ms", "AIBRIDGE_IDENTITY_APPLY_TIMEOUT", "3",
                "AIBRIDGE_IDENTITY_TOPIC_PARTITIONS", "2", "AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR", "3"));

        assertThat(config.identity().publishTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.identity().applyTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.identity().topicPartitions()).isEqualTo(2);
        assertThat(config.identity().topicReplicationFactor()).isEqualTo((short) 3);
    }

    @Test
    void thePortThePoolAndTheShutdownTakeTheValuesAtTheEdgesOfTheirRanges() {
        QueryConfig lowest = configWith(Map.of("AIBRIDGE_QUERY_PORT", "1", "AIBRIDGE_DB_POOL_SIZE", "1",
                "AIBRIDGE_SHUTDOWN_TIMEOUT", "0", "AIBRIDGE_SHUTDOWN_DELAY", "0"));
        assertThat(lowest.httpPort()).isEqualTo(1);
        assertThat(lowest.database().poolSize()).isEqualTo(1);
        assertThat(lowest.shutdown().timeout()).isZero();
        assertThat(lowest.shutdown().delay()).isZero();
        QueryConfig highest = configWith(Map.of("AIBRIDGE_QUERY_PORT", "65535", "AIBRIDGE_SHUTDOWN_TIMEOUT", "24d",
                "AIBRIDGE_SHUTDOWN_DELAY", "24d"));
        assertThat(highest.httpPort()).isEqualTo(65535);
        assertThat(highest.shutdown().timeout()).isEqualTo(Duration.ofDays(24));
        assertThat(highest.shutdown().delay()).isEqualTo(Duration.ofDays(24));
        assertThat(configWith(Map.of("AIBRIDGE_SHUTDOWN_TIMEOUT", "1ms")).shutdown().timeout()).isEqualTo(Duration.ofMillis(1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "AIBRIDGE_QUERY_PORT|0|AIBRIDGE_QUERY_PORT: \"0\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_QUERY_PORT|70000|AIBRIDGE_QUERY_PORT: \"70000\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_QUERY_PORT|-1|AIBRIDGE_QUERY_PORT: \"-1\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_DB_POOL_SIZE|0|AIBRIDGE_DB_POOL_SIZE: \"0\" is not a whole number of at least 1.",
            "AIBRIDGE_DB_POOL_SIZE|-20|AIBRIDGE_DB_POOL_SIZE: \"-20\" is not a whole number of at least 1.",
            "AIBRIDGE_SHUTDOWN_TIMEOUT|-30s|AIBRIDGE_SHUTDOWN_TIMEOUT: \"-30s\" is out of range. Accepted: 0 (do not wait for requests in flight), or a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 1ms to 24d.",
            "AIBRIDGE_SHUTDOWN_TIMEOUT|PT0.0005S|AIBRIDGE_SHUTDOWN_TIMEOUT: \"PT0.0005S\" is out of range",
            "AIBRIDGE_SHUTDOWN_TIMEOUT|25d|AIBRIDGE_SHUTDOWN_TIMEOUT: \"25d\" is out of range",
            "AIBRIDGE_SHUTDOWN_TIMEOUT|half a minute|AIBRIDGE_SHUTDOWN_TIMEOUT: \"half a minute\" is not a duration",
            "AIBRIDGE_SHUTDOWN_DELAY|-5s|AIBRIDGE_SHUTDOWN_DELAY: \"-5s\" is out of range. Accepted: a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 0 to 24d.",
            "AIBRIDGE_SHUTDOWN_DELAY|25d|AIBRIDGE_SHUTDOWN_DELAY: \"25d\" is out of range",
            "AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT|0|AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT: \"0\" is out of range. Accepted: a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 1ms to 24d.",
            "AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT|30d|AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT: \"30d\" is out of range",
            "AIBRIDGE_IDENTITY_APPLY_TIMEOUT|0ms|AIBRIDGE_IDENTITY_APPLY_TIMEOUT: \"0ms\" is out of range",
            "AIBRIDGE_IDENTITY_APPLY_TIMEOUT|-5s|AIBRIDGE_IDENTITY_APPLY_TIMEOUT: \"-5s\" is out of range",
            "AIBRIDGE_IDENTITY_APPLY_TIMEOUT|soon|AIBRIDGE_IDENTITY_APPLY_TIMEOUT: \"soon\" is not a duration",
            "AIBRIDGE_QUERY_STATEMENT_TIMEOUT|-1s|AIBRIDGE_QUERY_STATEMENT_TIMEOUT: \"-1s\" is out of range. Accepted: 0 (no limit), or a duration",
            "AIBRIDGE_QUERY_STATEMENT_TIMEOUT|PT0.0005S|AIBRIDGE_QUERY_STATEMENT_TIMEOUT: \"PT0.0005S\" is out of range",
            "AIBRIDGE_QUERY_STATEMENT_TIMEOUT|25d|AIBRIDGE_QUERY_STATEMENT_TIMEOUT: \"25d\" is out of range",
            "AIBRIDGE_IDENTITY_TOPIC_PARTITIONS|0|AIBRIDGE_IDENTITY_TOPIC_PARTITIONS: \"0\" is not a whole number of at least 1.",
            "AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR|0|AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR: \"0\" is neither -1",
            "AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR|-2|AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR: \"-2\" is neither -1",
            "AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR|40000|AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR: \"40000\" is neither -1",
    })
    void aValueTheServiceCannotWorkWithStopsTheStartNamingTheVariable(String variable, String value, String message) {
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of(variable, value)))
                .withMessageContaining(message);
    }

    /** The service's application.properties (prod profile) with {@code environment} as environment variables. */
    private static QueryConfig configWith(Map<String, String> environment) {
        return ServiceSettings.read(QueryConfig.class, environment);
    }
}
