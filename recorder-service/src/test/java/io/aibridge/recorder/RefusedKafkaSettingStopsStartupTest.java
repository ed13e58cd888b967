package io.aibridge.recorder;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Kafka setting that Kafka refuses stops the recorder at start, naming the variable. Before, the
 * consumer was created again after every refusal, for ever, while the health checks said UP and
 * nothing was recorded: on Kubernetes, a green pod instead of a crash loop with a clear log line.
 * (No migration at start, so the start gets as far as the consumers without a database.)
 */
@QuarkusMainTest
@TestProfile(RefusedKafkaSettingStopsStartupTest.SessionTimeoutSoon.class)
class RefusedKafkaSettingStopsStartupTest {

    /** KAFKA_SESSION_TIMEOUT_MS=soon. */
    public static class SessionTimeoutSoon implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:1", "kafka.session.timeout.ms", "soon",
                    "quarkus.flyway.migrate-at-start", "false");
        }
    }

    @Test
    void stopsWithAMessageThatNamesTheVariable(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch();

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("KAFKA_SESSION_TIMEOUT_MS: Kafka refuses the settings of consumer aibridge-recorder-interceptions-0")
                .contains("session.timeout.ms");
    }
}
