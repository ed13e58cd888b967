package io.aibridge.proxy.config;

import io.smallrye.config.SmallRyeConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A value that is not of its setting's type is reported under the AIBRIDGE_* variable it was given in. */
class VariableNameInterceptorTest {

    @Test
    void aValueThatCannotBeConvertedIsNamedByItsVariable() {
        assertThatThrownBy(() -> SettingsCheckTest.configWith(Map.of("AIBRIDGE_RATE_LIMIT", "ten")))
                .hasMessageContaining("The config property AIBRIDGE_RATE_LIMIT with the config value \"ten\" threw an Exception")
                .hasMessageNotContaining("proxy.rate-limit");
        assertThatThrownBy(() -> SettingsCheckTest.configWith(Map.of("AIBRIDGE_UPSTREAM_TIMEOUT", "ten minutes")))
                .hasMessageContaining("The config property AIBRIDGE_UPSTREAM_TIMEOUT with the config value \"ten minutes\"");
    }

    @Test
    void aKeySetDirectlyKeepsItsOwnNameAndValuesAreUnchanged() {
        assertThatThrownBy(() -> SettingsCheckTest.configWith(Map.of("proxy.rate-limit", "ten")))
                .hasMessageContaining("The config property proxy.rate-limit with the config value \"ten\"");
        SmallRyeConfig config = SettingsCheckTest.configWith(Map.of("AIBRIDGE_RATE_LIMIT", "7"));
        assertThat(config.getConfigMapping(ProxyConfig.class).rateLimit()).isEqualTo(7);
        assertThat(config.getConfigMapping(ProxyConfig.class).maxConcurrency()).as("the default of an unset variable").isZero();
    }
}
