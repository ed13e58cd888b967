package io.aibridge.retention.config;

import io.aibridge.testing.ServiceSettings;
import io.smallrye.config.ConfigValidationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The mapping from the public AIBRIDGE_RETENTION* names through application.properties to {@link RetentionConfig}. */
class RetentionConfigTest {

    @Test
    void defaultsToSixtyDaysEveryTenMinutes() {
        RetentionConfig config = configWith(Map.of());

        assertThat(config.httpPort()).isEqualTo(8083);
        assertThat(config.period()).isEqualTo(Duration.ofDays(60));
        assertThat(config.interval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.dryRun()).isFalse();
        assertThat(config.batchSize()).isEqualTo(10_000);
        assertThat(config.sessionBatchSize()).isEqualTo(250);
        assertThat(config.lockTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.lockAttempts()).isEqualTo(5);
        assertThat(config.dutyCycle()).isEqualTo(50);
    }

    @Test
    void thePortIsATcpPortFromOneTo65535() {
        // Quarkus took 0 as any free port, where no probe finds the service; above 65535 Vert.x failed naming nothing
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_PORT", "1")).httpPort()).isEqualTo(1);
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_PORT", "65535")).httpPort()).isEqualTo(65535);
        for (String refused : new String[] {"0", "65536", "70000", "-1", "8083.5", "port"}) {
            assertThatExceptionOfType(ConfigValidationException.class)
                    .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_PORT", refused)))
                    .withMessageContaining("AIBRIDGE_RETENTION_PORT: \"" + refused + "\" is not a whole number from 1 to 65535.");
        }
    }

    @Test
    void theDutyCycleIsAPercentageWithOrWithoutItsSign() {
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_DUTY_CYCLE", "25")).dutyCycle()).isEqualTo(25);
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_DUTY_CYCLE", " 100% ")).dutyCycle()).isEqualTo(100);
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_DUTY_CYCLE", "1 %")).dutyCycle()).isEqualTo(1);
        for (String refused : new String[] {"0", "101", "-5", "half", "0.5"}) {
            assertThatExceptionOfType(ConfigValidationException.class)
                    .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_DUTY_CYCLE", refused)))
                    .withMessageContaining("AIBRIDGE_RETENTION_DUTY_CYCLE: \"" + refused + "\" is not a percentage from 1 to 100");
        }
    }

    @Test
    void readsThePublicVariables() {
        RetentionConfig config = configWith(Map.of("AIBRIDGE_RETENTION", "P90D", "AIBRIDGE_RETENTION_INTERVAL", "1h30m",
                "AIBRIDGE_RETENTION_DRY_RUN", "true", "AIBRIDGE_RETENTION_BATCH_SIZE", "500"));

        assertThat(config.period()).isEqualTo(Duration.ofDays(90));
        assertThat(config.interval()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.dryRun()).isTrue();
        assertThat(config.batchSize()).isEqualTo(500);
    }

    @Test
    void anEmptyRetentionIsRefusedRatherThanGuessed() {
        // a setting that deletes data: an empty value (a templating slip) stops the service instead of meaning 60d
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION", "")))
                .withMessageContaining("AIBRIDGE_RETENTION: the value is empty. Accepted: 0 (keep everything forever)");
    }

    @Test
    void zeroRetentionMeansKeepForever() {
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION", "0")).period()).isZero();
    }

    @Test
    void anInvalidRetentionNamesTheVariableAndTheAcceptedForms() {
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION", "60 days")))
                .withMessageContaining("AIBRIDGE_RETENTION: \"60 days\" is not a duration")
                .withMessageContaining("Accepted: 0 (keep everything forever), or a number with a unit ms, s, m, h, d or w (60d, 2w, 1440h, 90m)")
                .withMessageContaining("ISO-8601 duration (P60D, PT1440H, P2W)");
    }

    @Test
    void aZeroIntervalIsRejected() {
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_INTERVAL", "0")))
                .withMessageContaining("AIBRIDGE_RETENTION_INTERVAL: must be greater than zero");
    }

    @Test
    void aBatchSizeBelowOneIsRejected() {
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_BATCH_SIZE", "0")))
                .withMessageContaining("AIBRIDGE_RETENTION_BATCH_SIZE: \"0\" is not a whole number of at least 1.");
    }

    @Test
    void aLockTimeoutPostgresCannotTakeIsRejected() {
        // lock_timeout takes at most 2147483647 ms: a longer one failed every purge statement
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_LOCK_TIMEOUT", "30d")))
                .withMessageContaining("AIBRIDGE_RETENTION_LOCK_TIMEOUT: \"30d\" is longer than 24d");
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_LOCK_TIMEOUT", "24d")).lockTimeout()).isEqualTo(Duration.ofDays(24));
    }

    @Test
    void aMistypedDryRunIsRejectedRatherThanReadAsFalse() {
        // the built-in conversion read "ture" as false: a dry run that deleted for real
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_DRY_RUN", "ture")))
                .withMessageContaining("AIBRIDGE_RETENTION_DRY_RUN: \"ture\" is not true or false. Accepted: true or false");
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> configWith(Map.of("AIBRIDGE_RETENTION_DRY_RUN", "dry")))
                .withMessageContaining("AIBRIDGE_RETENTION_DRY_RUN: \"dry\" is not true or false");
    }

    @Test
    void aDryRunTakesTheUsualOnOffWords() {
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_DRY_RUN", "YES")).dryRun()).isTrue();
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_DRY_RUN", "1")).dryRun()).isTrue();
        assertThat(configWith(Map.of("AIBRIDGE_RETENTION_DRY_RUN", "off")).dryRun()).isFalse();
    }

    /** The service's application.properties (prod profile) with {@code environment} as environment variables. */
    private static RetentionConfig configWith(Map<String, String> environment) {
        return ServiceSettings.read(RetentionConfig.class, environment);
    }
}
