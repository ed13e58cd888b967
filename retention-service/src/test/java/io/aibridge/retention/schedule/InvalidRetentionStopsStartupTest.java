package io.aibridge.retention.schedule;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The service refuses to start on an AIBRIDGE_RETENTION it cannot read, and says why. */
@QuarkusMainTest
@TestProfile(InvalidRetentionStopsStartupTest.RetentionOfSixtyDaysWrittenInWords.class)
class InvalidRetentionStopsStartupTest {

    /** AIBRIDGE_RETENTION=sixty days. */
    public static class RetentionOfSixtyDaysWrittenInWords implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_RETENTION", "sixty days");
        }
    }

    @Test
    void stopsWithAMessageThatNamesTheVariableAndTheAcceptedForms(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch();

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("AIBRIDGE_RETENTION: \"sixty days\" is not a duration")
                .contains("Accepted: 0 (keep everything forever)");
    }
}
