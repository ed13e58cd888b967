package io.aibridge.retention.schedule;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mistyped AIBRIDGE_RETENTION_DRY_RUN stops the service instead of being read as false, which
 * would have deleted for real what the operator only wanted counted.
 */
@QuarkusMainTest
@TestProfile(MistypedDryRunStopsStartupTest.DryRunTure.class)
class MistypedDryRunStopsStartupTest {

    /** AIBRIDGE_RETENTION_DRY_RUN=ture, with a retention that would purge. */
    public static class DryRunTure implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_RETENTION", "60d", "AIBRIDGE_RETENTION_DRY_RUN", "ture");
        }
    }

    @Test
    void stopsWithAMessageThatNamesTheVariableAndTheAcceptedWords(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch();

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("AIBRIDGE_RETENTION_DRY_RUN: \"ture\" is not true or false")
                .contains("Accepted: true or false (also yes/no, y/n, on/off, 1/0)");
    }
}
