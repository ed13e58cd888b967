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
 * timeout of 0 started a service whose every admin write answered 503.
 */
@QuarkusMainTest
@TestProfile(InvalidSettingStopsStartupTest.PublishTimeoutZero.class)
class InvalidSettingStopsStartupTest {

    /** AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT=0 (the test profile's own 5s put back to the variable). */
    public static class PublishTimeoutZero implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT", "0",
                    "%test.query.identity.publish-timeout", "${AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT}");
        }
    }

    @Test
    void stopsWithAMessageThatNamesTheVariable(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch();

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT: \"0\" is out of range");
    }
}
