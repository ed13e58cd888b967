package io.aibridge.proxy;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A proxy given settings out of range does not start, and says which variables to fix: here a 0 s upstream timeout
 * (which would answer every call with 504), an event queue of no events (which failed inside the JDK, naming nothing)
 * and an MCP exclusion that is no regular expression (which failed only at the first request). Every range is in
 * {@code config.SettingsCheckTest}.
 */
@QuarkusMainTest
@TestProfile(BadSettingsStopTheStartTest.OutOfRange.class)
class BadSettingsStopTheStartTest {

    /** Three settings out of range at once. */
    public static class OutOfRange implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("AIBRIDGE_UPSTREAM_TIMEOUT", "0",
                    "AIBRIDGE_EVENTS_QUEUE_CAPACITY", "0",
                    "AIBRIDGE_MCP_EXCLUDED_MODELS", "haiku|(mini");
        }
    }

    @Test
    void stopsWithOneMessageNamingEveryVariableAndWhatItAccepts(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch();

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("AIBRIDGE_UPSTREAM_TIMEOUT must be a duration of 1ms or more (such as 30s), not 0s; "
                        + "AIBRIDGE_EVENTS_QUEUE_CAPACITY must be 1 or more, not 0; "
                        + "AIBRIDGE_MCP_EXCLUDED_MODELS must be a regular expression (such as haiku), not \"haiku|(mini\"");
    }
}
