package io.aibridge.query;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A setting out of range stops the service at start, naming the variable: before, a publish
 * timeout of 0 started a service whose every admin write answered 503, and a port of 70000 failed
 * inside Vert.x naming no variable.
 */
@QuarkusMainTest
@TestProfile(InvalidSettingStopsStartupTest.TwoSettingsOutOfRange.class)
class InvalidSettingStopsStartupTest {

    /**
     * AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT=0 (the test profile's own 5s put back to the variable), and
     * AIBRIDGE_QUERY_PORT=70000 (which a test start, on quarkus.http.test-port, would not even try).
     */
    public static class TwoSettingsOutOfRange implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT", "0", "AIBRIDGE_QUERY_PORT", "70000",
                    "%test.query.identity.publish-timeout", "${AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT}");
        }
    }

    @Test
    void stopsWithAMessageThatNamesEveryVariable(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch();

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT: \"0\" is out of range")
                .contains("AIBRIDGE_QUERY_PORT: \"70000\" is not a whole number from 1 to 65535.");
    }
}
