package io.aibridge.recorder;

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
 * The public AIBRIDGE_RECORDER_* names through application.properties to {@link RecorderConfig}: a
 * value the recorder cannot work with stops the start, naming the variable, instead of a recorder
 * that reports UP and records nothing (batch size 0), spins (no poll timeout, no backoff) or quietly
 * uses something else (consumers 0 was taken as 1; port 0 as any free port).
 */
class RecorderConfigTest {

    @Test
    void theDefaultsAreValid() {
        RecorderConfig config = configWith(Map.of());

        assertThat(config.httpPort()).isEqualTo(8082);
        assertThat(config.groupId()).isEqualTo("aibridge-recorder");
        assertThat(config.batchSize()).isEqualTo(6000);
        assertThat(config.batchWait()).isEqualTo(Duration.ofMillis(200));
        assertThat(config.pollTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.consumers()).isEqualTo(1);
        assertThat(config.retry().initialBackoff()).isEqualTo(Duration.ofMillis(200));
        assertThat(config.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.structuredLogging()).isFalse();
    }

    @Test
    void readsThePublicVariablesInQuarkusDurationForms() {
        RecorderConfig config = configWith(Map.of("AIBRIDGE_RECORDER_BATCH_SIZE", "500", "AIBRIDGE_RECORDER_BATCH_WAIT", "0",
                "AIBRIDGE_RECORDER_POLL_TIMEOUT", "PT0.05S", "AIBRIDGE_RECORDER_CONSUMERS", "3",
                "AIBRIDGE_RECORDER_RETRY_INITIAL_BACKOFF", "1ms", "AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF", "2",
                "AIBRIDGE_STRUCTURED_LOGGING", "on"));

        assertThat(config.batchSize()).isEqualTo(500);
        assertThat(config.batchWait()).isZero();
        assertThat(config.pollTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(config.consumers()).isEqualTo(3);
        assertThat(config.retry().initialBackoff()).isEqualTo(Duration.ofMillis(1));
        assertThat(config.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.structuredLogging()).isTrue();
    }

    @Test
    void thePortTakesEveryTcpPortFromOneTo65535() {
        assertThat(configWith(Map.of("AIBRIDGE_RECORDER_PORT", "1")).httpPort()).isEqualTo(1);
        assertThat(configWith(Map.of("AIBRIDGE_RECORDER_PORT", "65535")).httpPort()).isEqualTo(65535);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "AIBRIDGE_RECORDER_PORT|0|AIBRIDGE_RECORDER_PORT: \"0\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_RECORDER_PORT|65536|AIBRIDGE_RECORDER_PORT: \"65536\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_RECORDER_PORT|-8082|AIBRIDGE_RECORDER_PORT: \"-8082\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_RECORDER_PORT|http|AIBRIDGE_RECORDER_PORT: \"http\" is not a whole number from 1 to 65535.",
            "AIBRIDGE_RECORDER_BATCH_SIZE|0|AIBRIDGE_RECORDER_BATCH_SIZE: \"0\" is not a whole number of at least 1.",
            "AIBRIDGE_RECORDER_BATCH_SIZE|-5|AIBRIDGE_RECORDER_BATCH_SIZE: \"-5\" is not a whole number of at least 1.",
            "AIBRIDGE_RECORDER_BATCH_SIZE|lots|AIBRIDGE_RECORDER_BATCH_SIZE: \"lots\" is not a whole number of at least 1.",
            "AIBRIDGE_RECORDER_CONSUMERS|0|AIBRIDGE_RECORDER_CONSUMERS: \"0\" is not a whole number of at least 1.",
            "AIBRIDGE_RECORDER_RETRY_INITIAL_BACKOFF|0|AIBRIDGE_RECORDER_RETRY_INITIAL_BACKOFF: \"0\" is out of range. Accepted: a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), at least 1ms.",
            "AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF|0ms|AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF: \"0ms\" is out of range",
            "AIBRIDGE_RECORDER_POLL_TIMEOUT|0|AIBRIDGE_RECORDER_POLL_TIMEOUT: \"0\" is out of range",
            "AIBRIDGE_RECORDER_POLL_TIMEOUT|-1s|AIBRIDGE_RECORDER_POLL_TIMEOUT: \"-1s\" is out of range",
            "AIBRIDGE_RECORDER_POLL_TIMEOUT|soon|AIBRIDGE_RECORDER_POLL_TIMEOUT: \"soon\" is not a duration",
            "AIBRIDGE_RECORDER_BATCH_WAIT|-200ms|AIBRIDGE_RECORDER_BATCH_WAIT: \"-200ms\" is out of range. Accepted: a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 0 to 24d.",
            "AIBRIDGE_RECORDER_BATCH_WAIT|30d|AIBRIDGE_RECORDER_BATCH_WAIT: \"30d\" is out of range",
            "AIBRIDGE_RECORDER_GROUP_ID|'  '|AIBRIDGE_RECORDER_GROUP_ID: the value is empty.",
            "AIBRIDGE_STRUCTURED_LOGGING|ture|AIBRIDGE_STRUCTURED_LOGGING: \"ture\" is not true or false.",
    })
    void aValueTheRecorderCannotWorkWithStopsTheStartNamingTheVariable(String variable, String value, String message) {
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of(variable, value)))
                .withMessageContaining(message);
    }

    /** The service's application.properties (prod profile) with {@code environment} as environment variables. */
    private static RecorderConfig configWith(Map<String, String> environment) {
        return ServiceSettings.read(RecorderConfig.class, environment);
    }
}
